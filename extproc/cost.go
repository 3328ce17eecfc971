package extproc

import (
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/pricing"
)

// crossCheck compares the stream's usage with the provider's own second count, where
// its stream carries one (Bedrock's amazon-bedrock-invocationMetrics): a disagreement
// is counted and logged; a stream without usage events but with that count is metered
// from it.
func (st *stream) crossCheck(o *outcome) {
	if !o.hasReported {
		return
	}
	rep := o.reported
	if o.usage.IsZero() {
		o.usage = rep
		return
	}
	// Whether the reported input includes cached tokens is not documented, so input is
	// compared only when nothing was cached.
	noCache := o.usage.CacheRead == 0 && o.usage.CacheWrite == 0
	if rep.Output != o.usage.Output || (noCache && rep.Input != o.usage.Input) {
		if st.srv.metrics != nil {
			st.srv.metrics.UsageMismatch.WithLabelValues(st.route.Provider).Inc()
		}
		st.log.Warn("the provider's reported usage disagrees with the stream's usage", "request_id", st.hdr.requestID,
			"provider", st.route.Provider, "stream_input", o.usage.Input, "reported_input", rep.Input,
			"stream_output", o.usage.Output, "reported_output", rep.Output)
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
