package pricing

import "github.com/tollgate/tollgate/llm/usage"

// Rates are the effective prices of each token type in USD per million tokens.
type Rates struct {
	Input        float64
	Output       float64
	CacheRead    float64
	CacheWrite   float64 // 5-minute cache write
	CacheWrite1h float64 // 1-hour cache write
	Reasoning    float64 // the reasoning part of output
}

// Tier holds the rates that apply to a whole request whose total input tokens (input +
// cache read + cache write) exceed AboveInputTokens.
type Tier struct {
	AboveInputTokens int64
	Rates
}

// Price is the effective price of one model: base rates and tiers in ascending threshold
// order, every fallback already applied. Inferred names the base fields that the source
// did not give and that fell back to another field. A Price returned by a Table shares
// its Tiers with the table: treat it as read-only.
type Price struct {
	Rates
	Tiers    []Tier
	Inferred Fields

	// Priority and Flex are the prices of OpenAI's service tiers; nil when the source
	// gives none (a request served at that tier is then unpriced).
	Priority, Flex *Price
	// FastMultiplier scales the token cost of Anthropic fast mode; 0 when the source gives
	// no fast price (a fast request is then unpriced, never priced as standard).
	FastMultiplier float64
	// WebSearch and WebFetch are USD per server tool request, where HasWebSearch and
	// HasWebFetch say the source gives one.
	WebSearch, WebFetch       float64
	HasWebSearch, HasWebFetch bool
}

// UnpricedError names the billing dimension of a request that has no price.
type UnpricedError struct{ Dimension string }

func (e *UnpricedError) Error() string { return "no price for " + e.Dimension }

// Bill is the cost of u in USD with every billing dimension: the service tier's prices
// (priority, flex) in place of the standard ones, the long-context tier, the fast-mode
// multiplier, and server tool requests. A dimension u uses that has no price is an
// *UnpricedError: the request is then unpriced as a whole rather than priced as if that
// dimension were free or standard. Web fetch, which Anthropic bills as tokens only, adds
// a cost only where the source prices it.
func (p *Price) Bill(u usage.Usage) (float64, error) {
	base := p
	switch u.ServiceTier {
	case usage.TierPriority:
		if base = p.Priority; base == nil {
			return 0, &UnpricedError{"service_tier priority"}
		}
	case usage.TierFlex:
		if base = p.Flex; base == nil {
			return 0, &UnpricedError{"service_tier flex"}
		}
	}
	cost := base.Cost(u)
	if u.Speed == usage.SpeedFast {
		if p.FastMultiplier == 0 {
			return 0, &UnpricedError{"fast mode"}
		}
		cost *= p.FastMultiplier
	}
	if u.WebSearchRequests > 0 {
		if !p.HasWebSearch {
			return 0, &UnpricedError{"web search requests"}
		}
		cost += float64(u.WebSearchRequests) * p.WebSearch
	}
	if u.WebFetchRequests > 0 && p.HasWebFetch {
		cost += float64(u.WebFetchRequests) * p.WebFetch
	}
	return cost, nil
}

// RatesFor returns the rates that apply to u: the highest tier whose threshold u's total
// input exceeds, else the base rates. above is that tier's threshold, 0 for the base.
func (p *Price) RatesFor(u usage.Usage) (r *Rates, above int64) {
	in := u.Input + u.CacheRead + u.CacheWrite
	for i := len(p.Tiers) - 1; i >= 0; i-- {
		if in > p.Tiers[i].AboveInputTokens {
			return &p.Tiers[i].Rates, p.Tiers[i].AboveInputTokens
		}
	}
	return &p.Rates, 0
}

// Cost is the price of u in USD.
func (p *Price) Cost(u usage.Usage) float64 {
	r, _ := p.RatesFor(u)
	return r.Cost(u)
}

// Cost is the price of u at these rates in USD, without tier selection. CacheWrite1h is
// billed at the 1-hour rate and the rest of CacheWrite at the 5-minute rate; Reasoning at
// the reasoning rate and the rest of Output at the output rate.
func (r *Rates) Cost(u usage.Usage) float64 {
	w1h := clamp(u.CacheWrite1h, u.CacheWrite)
	reasoning := clamp(u.Reasoning, u.Output)
	micro := float64(u.Input)*r.Input +
		float64(u.Output-reasoning)*r.Output +
		float64(reasoning)*r.Reasoning +
		float64(u.CacheRead)*r.CacheRead +
		float64(u.CacheWrite-w1h)*r.CacheWrite +
		float64(w1h)*r.CacheWrite1h
	return micro / 1e6
}

// clamp bounds a part to [0, whole].
func clamp(part, whole int64) int64 {
	if part < 0 {
		return 0
	}
	if part > whole {
		return whole
	}
	return part
}

// Fields is a set of rate fields.
type Fields uint8

// The rate fields.
const (
	FieldInput Fields = 1 << iota
	FieldOutput
	FieldCacheRead
	FieldCacheWrite
	FieldCacheWrite1h
	FieldReasoning
)

// Has reports whether f holds every field of g.
func (f Fields) Has(g Fields) bool { return f&g == g }
