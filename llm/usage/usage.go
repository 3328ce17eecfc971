// Package usage holds the normalised token usage of one response and the extractors that
// read it, incrementally, from each client API's response bodies and event streams.
package usage

// Usage is the normalised token usage of one response. Input, Output, CacheRead and
// CacheWrite are disjoint: their sum is every billed token. Reasoning is the part of
// Output that was reasoning, and CacheWrite1h the part of CacheWrite written with a
// one-hour lifetime (the rest is the 5-minute cache), where the provider reports them.
//
// The fields after the tokens are billing dimensions that change the price, not the
// token counts: server-side tool calls billed per request, and the pricing variant the
// response says it was served at.
type Usage struct {
	Input        int64
	Output       int64
	CacheRead    int64
	CacheWrite   int64
	CacheWrite1h int64
	Reasoning    int64

	// WebSearchRequests and WebFetchRequests are Anthropic's server tool calls
	// (usage.server_tool_use), billed per request on top of tokens.
	WebSearchRequests int64
	WebFetchRequests  int64
	// ServiceTier is OpenAI's service tier as the response reports it, when it changes
	// the price: TierPriority or TierFlex ("" for the default tier).
	ServiceTier string
	// Speed is the speed Anthropic reports the request was served at: SpeedFast,
	// SpeedStandard, or "" when the response does not say.
	Speed string
}

// Billing variants of Usage.ServiceTier and Usage.Speed.
const (
	TierPriority  = "priority"
	TierFlex      = "flex"
	SpeedFast     = "fast"
	SpeedStandard = "standard"
)

// serviceTier keeps the tiers that change the price.
func serviceTier(v string) string {
	switch v {
	case TierPriority:
		return TierPriority
	case TierFlex:
		return TierFlex
	}
	return ""
}

// Total is the sum of the four disjoint token types.
func (u Usage) Total() int64 { return u.Input + u.Output + u.CacheRead + u.CacheWrite }

// IsZero reports whether no tokens at all were seen.
func (u Usage) IsZero() bool { return u == Usage{} }

// MaxCount bounds one count of one response: far above any context window or output
// limit (a few million tokens), far below what would overflow a sum or lose precision
// in a float64 counter.
const MaxCount = 1 << 32

// Clamped returns u with every count bounded to [0, MaxCount], and whether any was out
// of range: a provider's negative or absurd number is malformed usage, never a negative
// counter increment (which panics) or a bill of billions.
func (u Usage) Clamped() (Usage, bool) {
	bad := false
	for _, n := range []*int64{&u.Input, &u.Output, &u.CacheRead, &u.CacheWrite, &u.CacheWrite1h,
		&u.Reasoning, &u.WebSearchRequests, &u.WebFetchRequests} {
		switch {
		case *n < 0:
			*n, bad = 0, true
		case *n > MaxCount:
			*n, bad = MaxCount, true
		}
	}
	// The parts stay within their wholes.
	u.CacheWrite1h = min(u.CacheWrite1h, u.CacheWrite)
	u.Reasoning = min(u.Reasoning, u.Output)
	return u, bad
}
