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
