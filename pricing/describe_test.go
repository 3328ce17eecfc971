package pricing

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	tb := mustBuild(t, map[string]Entry{"jp.anthropic.claude-sonnet-4-5-20250929-v1:0": sonnet45}, nil)
	var b strings.Builder
	err := Describe(&b, tb, Query{ProviderType: "bedrock", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", ClientModel: "claude-sonnet-4-5"})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`^claude-sonnet-4-5\n`,
		`matched +jp\.anthropic\.claude-sonnet-4-5-20250929-v1:0 +\(file, step upstream_model\)`,
		`\n    input +3 *\n`, `\n    output +15 *\n`, `\n    cache_read +0\.3 *\n`,
		`\n    cache_write +3\.75 *\n`, `\n    cache_write_1h +6 *\n`, `\n    reasoning +15 +\(= output\)\n`,
		`above 200000 input tokens`, `\n    output +22\.5 *\n`, `\n    cache_write_1h +12 *\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}

	b.Reset()
	err = Describe(&b, tb, Query{ProviderType: "openai", ClientModel: "llama-4"})
	if !errors.Is(err, ErrUnpriced) || !strings.Contains(b.String(), "llama-4: no price") {
		t.Errorf("unpriced: err %v, output %q", err, b.String())
	}
}
