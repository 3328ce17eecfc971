package pricing

import (
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

// TestBuiltinGeminiBothProviderTypes: Gemini-native usage (Gemini CLI's) is priced from
// the built-in table whether a gemini or a vertex provider served it: gemini/ keys for the
// Gemini API, LiteLLM's unprefixed keys for Vertex AI. The usage below is the
// llm/usage/testdata/gemini_stream.sse fixture's, hand-priced from builtin.yaml.
func TestBuiltinGeminiBothProviderTypes(t *testing.T) {
	table, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := usage.Usage{Input: 176, Output: 240, CacheRead: 1024, Reasoning: 90}
	for _, tc := range []struct {
		typ, key string
		cost     float64 // USD: input 1.25, cache read 0.125, output (thinking included) 10 per million
	}{
		{"gemini", "gemini/gemini-2.5-pro", (176*1.25 + 1024*0.125 + 240*10) / 1e6},
		{"vertex", "gemini-2.5-pro", (176*1.25 + 1024*0.125 + 240*10) / 1e6},
	} {
		p, m, ok := table.Resolve(Query{ProviderType: tc.typ, UpstreamModel: "gemini-2.5-pro", ClientModel: "gemini-2.5-pro"})
		if !ok || m.Key != tc.key {
			t.Errorf("%s: resolved %q (%v), want %q", tc.typ, m.Key, ok, tc.key)
			continue
		}
		if got := p.Cost(u); got < tc.cost-1e-12 || got > tc.cost+1e-12 {
			t.Errorf("%s: cost %v, want %v", tc.typ, got, tc.cost)
		}
	}
}
