package extproc

import (
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/pricing"
)

// crossCheck compares a Bedrock stream's usage with amazon-bedrock-invocationMetrics:
// a disagreement is counted and logged; a stream without Anthropic usage but with the
// metrics is metered from them.
func (st *stream) crossCheck(o *outcome) {
	f := st.resp.events
	if f == nil {
		return
	}
	im, ok := f.metrics()
	if !ok {
		return
	}
	if o.usage.IsZero() {
		o.usage = usage.Usage{Input: im.InputTokens, Output: im.OutputTokens, CacheRead: im.CacheReadTokens, CacheWrite: im.CacheWriteTokens}
		return
	}
	// Whether inputTokenCount includes cached tokens is not documented, so input is
	// compared only when nothing was cached.
	noCache := o.usage.CacheRead == 0 && o.usage.CacheWrite == 0
	if im.OutputTokens != o.usage.Output || (noCache && im.InputTokens != o.usage.Input) {
		if st.srv.metrics != nil {
			st.srv.metrics.UsageMismatch.WithLabelValues(st.route.Provider).Inc()
		}
		st.log.Warn("Bedrock invocation metrics disagree with the stream's usage", "request_id", st.hdr.requestID,
			"provider", st.route.Provider, "stream_input", o.usage.Input, "metrics_input", im.InputTokens,
			"stream_output", o.usage.Output, "metrics_output", im.OutputTokens)
	}
}

// price computes the cost of the usage with the request's price table. Usage without a
// price adds no cost; it is counted as unpriced and warned about once per model.
func (st *stream) price(o *outcome) {
	if !st.routed || o.usage.IsZero() || st.prices == nil {
		return
	}
	q := pricing.Query{PricingModel: st.route.PricingModel, ProviderType: st.prov.Type(),
		UpstreamModel: st.route.UpstreamModel, ClientModel: st.route.Model}
	p, _, ok := st.prices.Resolve(q)
	if !ok {
		if st.srv.warn != nil {
			st.srv.warn.Unpriced(q)
		}
		return
	}
	u := o.usage
	if u.Speed == "" && st.fastRequested {
		// The response did not say which speed served it: bill what was asked for, so a
		// fast request is never priced as a standard one.
		u.Speed = usage.SpeedFast
	}
	cost, err := p.Bill(u)
	if err != nil {
		st.log.Warn("a billing dimension of this request has no price; its tokens are counted as unpriced",
			"request_id", st.hdr.requestID, "model", st.route.Model, "provider", st.route.Provider, "err", err)
		return
	}
	o.cost, o.priced = cost, true
}
