package config

import (
	"slices"
	"testing"
)

func TestAnthropicBetasConfig(t *testing.T) {
	src := `
providers:
  - name: bedrock
    type: bedrock
    region: us-east-1
    anthropic_betas:
      allow: [context-management-2025-06-27]
      drop: [interleaved-thinking-2025-05-14, "${TOLLGATE_TEST_SET}"]
  - name: vertex
    type: vertex
    project: p
    region: global
models:
  - match: "claude-*"
    provider: bedrock
`
	l, err := Parse("inline.yaml", []byte(src), func(name string) (string, bool) {
		if name == "TOLLGATE_TEST_SET" {
			return "effort-2025-11-24", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	b := l.Providers[0].AnthropicBetas
	if b == nil || !slices.Equal(b.Allow, []string{"context-management-2025-06-27"}) ||
		!slices.Equal(b.Drop, []string{"interleaved-thinking-2025-05-14", "effort-2025-11-24"}) {
		t.Errorf("anthropic_betas %+v", b)
	}
	if l.Providers[1].AnthropicBetas != nil {
		t.Error("vertex: no anthropic_betas, nil")
	}
}
