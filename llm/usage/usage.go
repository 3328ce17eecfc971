// Package usage holds the normalised token usage of one response and the extractors that
// read it, incrementally, from each client API's response bodies and event streams.
package usage

// Usage is the normalised token usage of one response. Input, Output, CacheRead and
// CacheWrite are disjoint: their sum is every billed token. Reasoning is the part of
// Output that was reasoning, and CacheWrite1h the part of CacheWrite written with a
// one-hour lifetime (the rest is the 5-minute cache), where the provider reports them.
type Usage struct {
	Input        int64
	Output       int64
	CacheRead    int64
	CacheWrite   int64
	CacheWrite1h int64
	Reasoning    int64
}

// Total is the sum of the four disjoint token types.
func (u Usage) Total() int64 { return u.Input + u.Output + u.CacheRead + u.CacheWrite }

// IsZero reports whether no tokens at all were seen.
func (u Usage) IsZero() bool { return u == Usage{} }
