package extproc

import (
	"errors"
	"strconv"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/internal/metrics"
)

// record updates the Prometheus metrics.
func (st *stream) record(o *outcome) {
	m := st.srv.metrics
	if m == nil {
		return
	}
	team, model, prov := st.identity.Team, st.route.Model, st.route.Provider
	if st.routed {
		model = st.srv.models.label(team, model, st.route.Pattern)
	}
	code := "0" // no response status: the stream ended first
	if st.code >= 100 && st.code <= 599 {
		code = strconv.Itoa(st.code) // only valid HTTP statuses become label values
	}
	m.Requests.WithLabelValues(team, model, prov, code).Inc()
	if !st.routed {
		return
	}
	if o.interrupted {
		m.StreamsInterrupted.WithLabelValues(model, prov).Inc()
	}
	if o.meterErr != nil {
		m.MeteringErrors.WithLabelValues(prov, meterErrorReason(o.meterErr)).Inc()
	}
	if o.skipped > 0 {
		m.MeteringErrors.WithLabelValues(prov, "event_too_large").Add(float64(o.skipped))
	}
	if st.unmetered(o) {
		m.UnmeteredResponses.WithLabelValues(prov, st.kind.String()).Inc()
	}
	u := o.usage
	for _, t := range []struct {
		typ string
		n   int64
	}{{metrics.TokenInput, u.Input}, {metrics.TokenOutput, u.Output}, {metrics.TokenCacheRead, u.CacheRead}, {metrics.TokenCacheWrite, u.CacheWrite}} {
		if t.n > 0 {
			m.Tokens.WithLabelValues(team, model, prov, t.typ).Add(float64(t.n))
		}
	}
	if u.Reasoning > 0 {
		m.ReasoningTokens.WithLabelValues(team, model, prov).Add(float64(u.Reasoning))
	}
	if o.priced && o.cost > 0 {
		m.CostUSD.WithLabelValues(team, model, prov).Add(o.cost)
	}
	if !o.priced && !u.IsZero() {
		m.UnpricedTokens.WithLabelValues(model, prov).Add(float64(u.Total()))
	}
	genai := []string{st.prov.GenAIName(), model, operationName(st)}
	if !u.IsZero() {
		// The GenAI conventions count cached tokens as input.
		m.GenAITokenUsage.WithLabelValues(append([]string{"input"}, genai...)...).Observe(float64(u.Input + u.CacheRead + u.CacheWrite))
		m.GenAITokenUsage.WithLabelValues(append([]string{"output"}, genai...)...).Observe(float64(u.Output))
	}
	if st.code != 0 {
		m.GenAIDuration.WithLabelValues(genai...).Observe(o.duration.Seconds())
	}
	if o.ttft > 0 {
		m.GenAITTFT.WithLabelValues(genai...).Observe(o.ttft.Seconds())
	}
}

// unmetered reports whether a billable request succeeded without tollgate finding
// usage it could read in the response: its cost is unknown, and it must show, never pass
// as free. A stream cut short is counted as interrupted instead.
func (st *stream) unmetered(o *outcome) bool {
	return st.code >= 200 && st.code < 300 && !st.kind.CountsTokens() && !o.interrupted && !o.metered
}

func operationName(st *stream) string {
	if st.kind.CountsTokens() {
		return "count_tokens"
	}
	if st.kind.GoogleShaped() {
		return "generate_content" // the GenAI conventions' name for Gemini's operation
	}
	return "chat"
}

func meterErrorReason(err error) string {
	switch {
	case errors.Is(err, metering.ErrDecodedTooLarge):
		return "decoded_too_large"
	case errors.Is(err, metering.ErrBodyTooLarge):
		return "body_too_large"
	case errors.Is(err, metering.ErrUnsupportedEncoding):
		return "unsupported_encoding"
	default:
		return "malformed"
	}
}
