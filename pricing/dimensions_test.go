package pricing

import (
	"errors"
	"math"
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

// TestBillEveryDimension prices each billing dimension coding agents incur with the
// built-in table (generated from LiteLLM's file), against figures computed by hand from
// the per-million prices printed next to each case.
func TestBillEveryDimension(t *testing.T) {
	table, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		q     Query
		u     usage.Usage
		want  float64 // USD
		unpri string  // the dimension reported unpriced, "" when priced
	}{
		// claude-sonnet-4-5-20250929: input 3, output 15, cache_read 0.3, cache_write 3.75 (5 min), 6 (1 h).
		{"5-minute and 1-hour cache writes", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 1000, Output: 500, CacheRead: 10000, CacheWrite: 3000, CacheWrite1h: 2000},
			(1000*3 + 500*15 + 10000*0.3 + 1000*3.75 + 2000*6) / 1e6, ""},
		// Above 200k input (input + cache read + cache write = 150k + 40k + 20k = 210k), the
		// whole request is at the tier: input 6, output 22.5, cache_read 0.6, cache_write 7.5, 1 h 12.
		{"Anthropic long context above 200k", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 150000, Output: 1000, CacheRead: 40000, CacheWrite: 20000, CacheWrite1h: 5000},
			(150000*6 + 1000*22.5 + 40000*0.6 + 15000*7.5 + 5000*12) / 1e6, ""},
		{"exactly 200k stays at the base price", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 200000, Output: 10},
			(200000*3 + 10*15) / 1e6, ""},
		// gpt-5.4: base input 2.5, output 15, cache_read 0.25; above 272k: 5, 22.5, 0.5.
		{"OpenAI long context above 272k", Query{ProviderType: "openai", ClientModel: "gpt-5.4"},
			usage.Usage{Input: 200000, CacheRead: 80000, Output: 2000},
			(200000*5 + 80000*0.5 + 2000*22.5) / 1e6, ""},
		// gpt-5.4 priority: input 5, output 30, cache_read 0.5.
		{"OpenAI priority tier", Query{ProviderType: "openai", ClientModel: "gpt-5.4"},
			usage.Usage{Input: 1000, CacheRead: 4000, Output: 300, Reasoning: 100, ServiceTier: usage.TierPriority},
			(1000*5 + 4000*0.5 + 300*30) / 1e6, ""},
		// gpt-5.4 flex: input 1.25, output 7.5, cache_read 0.13.
		{"OpenAI flex tier", Query{ProviderType: "openai", ClientModel: "gpt-5.4"},
			usage.Usage{Input: 1000, CacheRead: 4000, Output: 300, ServiceTier: usage.TierFlex},
			(1000*1.25 + 4000*0.13 + 300*7.5) / 1e6, ""},
		{"priority without a priority price is unpriced", Query{ProviderType: "openai", ClientModel: "gpt-4.1-mini-2025-04-14"},
			usage.Usage{Input: 1000, Output: 300, ServiceTier: usage.TierPriority}, 0, "service_tier priority"},
		// claude-sonnet-4-5-20250929 web search: 0.01 USD per request, on top of tokens.
		{"Anthropic web search requests", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 2000, Output: 400, WebSearchRequests: 3},
			(2000*3+400*15)/1e6 + 3*0.01, ""},
		{"web fetch is tokens only where unpriced", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 2000, Output: 400, WebFetchRequests: 2},
			(2000*3 + 400*15) / 1e6, ""},
		// claude-opus-4-6: input 5, output 25, cache_read 0.5; fast mode ×6.
		{"Anthropic fast mode", Query{ProviderType: "anthropic", ClientModel: "claude-opus-4-6"},
			usage.Usage{Input: 1000, Output: 200, CacheRead: 5000, Speed: usage.SpeedFast},
			6 * (1000*5 + 200*25 + 5000*0.5) / 1e6, ""},
		{"standard speed reported", Query{ProviderType: "anthropic", ClientModel: "claude-opus-4-6"},
			usage.Usage{Input: 1000, Output: 200, Speed: usage.SpeedStandard},
			(1000*5 + 200*25) / 1e6, ""},
		{"fast mode without a fast price is unpriced", Query{ProviderType: "anthropic", ClientModel: "claude-sonnet-4-5-20250929"},
			usage.Usage{Input: 1000, Output: 200, Speed: usage.SpeedFast}, 0, "fast mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _, ok := table.Resolve(tc.q)
			if !ok {
				t.Fatalf("no price for %+v", tc.q)
			}
			got, err := p.Bill(tc.u)
			if tc.unpri != "" {
				var ue *UnpricedError
				if !errors.As(err, &ue) || ue.Dimension != tc.unpri {
					t.Fatalf("err = %v, want unpriced %q", err, tc.unpri)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("cost %.12f, want %.12f", got, tc.want)
			}
		})
	}
}

// TestParseLiteLLMDimensions reads every new dimension from LiteLLM's field names.
func TestParseLiteLLMDimensions(t *testing.T) {
	entries, skipped, err := ParseLiteLLM([]byte(`{"m": {"mode": "chat", "litellm_provider": "openai",
	  "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1.5e-05,
	  "input_cost_per_token_priority": 5e-06, "output_cost_per_token_priority": 3e-05,
	  "input_cost_per_token_above_272k_tokens_priority": 1e-05,
	  "input_cost_per_token_flex": 1.25e-06, "output_cost_per_token_flex": 7.5e-06,
	  "search_context_cost_per_query": {"search_context_size_low": 0.02, "search_context_size_medium": 0.03},
	  "provider_specific_entry": {"us": 1.1, "fast": 6.0}}}`))
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	e := entries["m"]
	if e.Priority == nil || *e.Priority.Input != 5 || *e.Priority.Output != 30 ||
		len(e.Priority.Tiers) != 1 || e.Priority.Tiers[0].AboveInputTokens != 272000 || *e.Priority.Tiers[0].Input != 10 {
		t.Errorf("priority = %+v", e.Priority)
	}
	if e.Flex == nil || *e.Flex.Input != 1.25 || *e.Flex.Output != 7.5 {
		t.Errorf("flex = %+v", e.Flex)
	}
	if e.WebSearch == nil || *e.WebSearch != 0.03 || e.FastMultiplier == nil || *e.FastMultiplier != 6 {
		t.Errorf("web search %v fast %v", e.WebSearch, e.FastMultiplier)
	}
	if *e.Input != 2.5 || len(e.Tiers) != 0 {
		t.Errorf("base = %+v tiers %v", e.Spec, e.Tiers)
	}
}
