package extproc

import (
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/translate"
)

// translate puts the request's provider behind a translation when it does not speak the
// client's API but one tollgate translates it into (llm/translate): the request, the
// response and its errors are then translated, and metering reads the upstream's own
// events. It reports whether it did; a provider that speaks the client's API is left as
// it is.
func (st *stream) translate() bool {
	if _, ok := provider.Translation(st.prov, st.kind, st.route.UpstreamModel); !ok {
		return false // the common case: nothing to wrap, nothing allocated
	}
	st.prov, _ = provider.Translating(st.prov, st.kind, st.route.UpstreamModel, st.droppedField)
	return true
}

// droppedField counts and logs (at debug) one request field a translation left out.
func (st *stream) droppedField(pair translate.Pair, label, name string) {
	if st.srv.metrics != nil {
		st.srv.metrics.TranslationDropped.WithLabelValues(pair.Client.String(), pair.Upstream.String(), label).Inc()
	}
	st.log.Debug("translation left out a request field with no equivalent upstream", "request_id", st.hdr.requestID,
		"from", pair.Client.String(), "to", pair.Upstream.String(), "field", name, "provider", st.route.Provider)
}
