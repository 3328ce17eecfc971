package pricing

import (
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

// BenchmarkResolveCost is the per-request work: one Resolve and one Cost against the
// built-in table, for queries that hit at each lookup step.
func BenchmarkResolveCost(b *testing.B) {
	tb, err := NewTable(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	u := usage.Usage{Input: 250_000, Output: 2_000, CacheRead: 10_000, CacheWrite: 3_000, CacheWrite1h: 1_000, Reasoning: 500}
	for _, bc := range []struct {
		name string
		q    Query
	}{
		{"upstream", Query{ProviderType: "bedrock", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", ClientModel: "claude-sonnet-4-5"}},
		{"prefixed", Query{ProviderType: "vertex", UpstreamModel: "claude-sonnet-4-5@20250929", ClientModel: "claude-sonnet-4-5"}},
		{"normalized", Query{ProviderType: "bedrock", UpstreamModel: "apac.anthropic.claude-sonnet-4-5-20250929-v1:0", ClientModel: "claude-sonnet-4-5"}},
		{"client", Query{ProviderType: "anthropic", UpstreamModel: "proxy@20250101", ClientModel: "claude-haiku-4-5-20251001"}},
		{"unpriced", Query{ProviderType: "openai", UpstreamModel: "llama-4-maverick", ClientModel: "llama-4-maverick"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var sum float64
			for b.Loop() {
				p, _, ok := tb.Resolve(bc.q)
				if ok {
					sum += p.Cost(u)
				}
			}
			_ = sum
		})
	}
}
