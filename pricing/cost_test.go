package pricing

import (
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

// sonnet45 is claude-sonnet-4-5's price as Anthropic publishes it, in USD per million.
var sonnet45 = Entry{
	Spec: Spec{Input: f64(3), Output: f64(15), CacheRead: f64(0.3), CacheWrite: f64(3.75), CacheWrite1h: f64(6)},
	Tiers: []TierSpec{{AboveInputTokens: 200_000, Spec: Spec{
		Input: f64(6), Output: f64(22.5), CacheRead: f64(0.6), CacheWrite: f64(7.5), CacheWrite1h: f64(12),
	}}},
}

func TestCostPerTokenType(t *testing.T) {
	p, err := sonnet45.price()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		u    usage.Usage
		want float64
	}{
		{"input", usage.Usage{Input: 1_000}, 0.003},
		{"output", usage.Usage{Output: 2_000}, 0.03},
		{"cache read", usage.Usage{CacheRead: 10_000}, 0.003},
		{"cache write 5m", usage.Usage{CacheWrite: 4_000}, 0.015},
		{"cache write 1h", usage.Usage{CacheWrite: 4_000, CacheWrite1h: 4_000}, 0.024},
		{"cache write split", usage.Usage{CacheWrite: 400, CacheWrite1h: 100}, (300*3.75 + 100*6) / 1e6},
		{"1h larger than write is clamped", usage.Usage{CacheWrite: 100, CacheWrite1h: 500}, 100 * 6 / 1e6},
		{"reasoning at output price", usage.Usage{Output: 1_000, Reasoning: 600}, 0.015},
		{"mixed", usage.Usage{Input: 1000, Output: 500, CacheRead: 2000, CacheWrite: 400, CacheWrite1h: 100}, 0.012825},
		{"zero", usage.Usage{}, 0},
	} {
		if got := p.Cost(tc.u); !near(got, tc.want) {
			t.Errorf("%s: Cost(%+v) = %v, want %v", tc.name, tc.u, got, tc.want)
		}
	}
}

func TestCostTiers(t *testing.T) {
	p, err := sonnet45.price()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		u         usage.Usage
		wantAbove int64
		want      float64
	}{
		{"exactly 200k input stays base", usage.Usage{Input: 200_000}, 0, 0.6},
		{"200001 input is tier", usage.Usage{Input: 200_001}, 200_000, 200_001 * 6 / 1e6},
		{"cache read counts toward the threshold", usage.Usage{Input: 100_000, CacheRead: 100_001}, 200_000, (100_000*6 + 100_001*0.6) / 1e6},
		{"cache write counts toward the threshold", usage.Usage{Input: 150_000, CacheWrite: 50_001}, 200_000, (150_000*6 + 50_001*7.5) / 1e6},
		{"output does not count toward the threshold", usage.Usage{Input: 100_000, Output: 150_000}, 0, (100_000*3 + 150_000*15) / 1e6},
		{"every type at tier price", usage.Usage{Input: 150_000, Output: 1_000, CacheRead: 40_000, CacheWrite: 10_001, CacheWrite1h: 1}, 200_000, 1.021512},
	} {
		if _, above := p.RatesFor(tc.u); above != tc.wantAbove {
			t.Errorf("%s: tier above %d, want %d", tc.name, above, tc.wantAbove)
		}
		if got := p.Cost(tc.u); !near(got, tc.want) {
			t.Errorf("%s: Cost = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCostHighestTierWins(t *testing.T) {
	e := Entry{Spec: Spec{Input: f64(1), Output: f64(2)}, Tiers: []TierSpec{
		{AboveInputTokens: 272_000, Spec: Spec{Input: f64(3)}},
		{AboveInputTokens: 128_000, Spec: Spec{Input: f64(2)}},
	}}
	p, err := e.price()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   int64
		want float64
	}{{100_000, 0.1}, {200_000, 0.4}, {300_000, 0.9}} {
		if got := p.Cost(usage.Usage{Input: tc.in, Output: 1_000_000}); !near(got, tc.want+2) {
			t.Errorf("input %d: Cost = %v, want %v (tier output falls back to base 2/M)", tc.in, got, tc.want+2)
		}
	}
}

func TestFallbacks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		e        Entry
		want     Rates
		inferred Fields
	}{
		{"only input and output", price("", 2, 8),
			Rates{Input: 2, Output: 8, CacheRead: 2, CacheWrite: 2, CacheWrite1h: 2, Reasoning: 8},
			FieldCacheRead | FieldCacheWrite | FieldCacheWrite1h | FieldReasoning},
		{"1h falls back to 5m", Entry{Spec: Spec{Input: f64(1), Output: f64(5), CacheWrite: f64(1.25)}},
			Rates{Input: 1, Output: 5, CacheRead: 1, CacheWrite: 1.25, CacheWrite1h: 1.25, Reasoning: 5},
			FieldCacheRead | FieldCacheWrite1h | FieldReasoning},
		{"reasoning given", Entry{Spec: Spec{Input: f64(1), Output: f64(5), Reasoning: f64(9)}},
			Rates{Input: 1, Output: 5, CacheRead: 1, CacheWrite: 1, CacheWrite1h: 1, Reasoning: 9},
			FieldCacheRead | FieldCacheWrite | FieldCacheWrite1h},
	} {
		p, err := tc.e.price()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.Rates != tc.want || p.Inferred != tc.inferred {
			t.Errorf("%s: got %+v inferred %b, want %+v inferred %b", tc.name, p.Rates, p.Inferred, tc.want, tc.inferred)
		}
	}
}

func TestReasoningPricedApart(t *testing.T) {
	p, err := (&Entry{Spec: Spec{Input: f64(1), Output: f64(10), Reasoning: f64(40)}}).price()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Cost(usage.Usage{Output: 100, Reasoning: 30}), (70*10+30*40)/1e6; !near(got, want) {
		t.Errorf("Cost = %v, want %v", got, want)
	}
}

func TestTierFollowsTierOutputForReasoning(t *testing.T) {
	p, err := sonnet45.price()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Tiers[0].Reasoning; got != 22.5 {
		t.Errorf("tier reasoning = %v, want the tier's output price 22.5", got)
	}
}

func TestEntryNotAPrice(t *testing.T) {
	for name, e := range map[string]Entry{
		"no input or output": {Spec: Spec{CacheRead: f64(1)}},
		"negative":           {Spec: Spec{Input: f64(-1), Output: f64(1)}},
		"zero threshold":     {Spec: Spec{Input: f64(1), Output: f64(1)}, Tiers: []TierSpec{{Spec: Spec{Input: f64(2)}}}},
		"duplicate tier": {Spec: Spec{Input: f64(1), Output: f64(1)}, Tiers: []TierSpec{
			{AboveInputTokens: 5, Spec: Spec{Input: f64(2)}}, {AboveInputTokens: 5, Spec: Spec{Input: f64(3)}}}},
	} {
		if _, err := e.price(); err == nil {
			t.Errorf("%s: price() succeeded", name)
		}
	}
}
