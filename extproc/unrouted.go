package extproc

import (
	"net/http"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/llm/api"
)

// unroutedOther is the model label of unrouted requests for names the price table
// does not know.
const unroutedOther = "other"

// unrouted refuses a request whose model no rule matches (404, naming the model) and
// counts it in tollgate_unrouted_requests_total, so that clients moving to a model the
// gateway does not serve show up before users complain. The label is the requested
// name only when the request's price table knows it (a real model, from a finite set),
// else "other": a client inventing names cannot grow the series. The log line carries
// the name either way (st.requested).
func (st *stream) unrouted(model string) *extprocv3.ProcessingResponse {
	if m := st.srv.metrics; m != nil {
		label := unroutedOther
		if st.prices != nil && st.prices.Knows(model) {
			label = model
		}
		m.UnroutedRequests.WithLabelValues(label).Inc()
	}
	return st.reject(api.Errorf(http.StatusNotFound, "model %q is not served by this gateway", model))
}
