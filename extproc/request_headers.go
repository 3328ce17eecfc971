package extproc

import (
	"net/http"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/llm/api"
)

// onRequestHeaders classifies the path, authenticates the client and answers what
// tollgate answers itself (GET /v1/models, errors). Everything else continues to the
// body, which Envoy sends BUFFERED.
func (st *stream) onRequestHeaders(h *extprocv3.HttpHeaders) *extprocv3.ProcessingResponse {
	st.hdr = readRequestHeaders(h.Headers)
	if resp := st.answerEarly(); resp != nil { // probes, two keys, upgrades (early.go)
		return resp
	}
	path, query := api.SplitPath(st.hdr.path)
	ep, ok := api.Classify(path)
	if !ok && st.hdr.method == http.MethodPost {
		ep, ok = api.ClassifyOther(path) // routed by its body's model (request_body.go)
	}
	st.endpoint, st.kind = ep, ep.Kind
	if !ok {
		return st.reject(api.Errorf(http.StatusNotFound, "tollgate does not serve %s %s", st.hdr.method, path))
	}

	if e := st.queryKey(query); e != nil {
		return st.reject(e)
	}
	id, ok := st.rt.Keys().Authenticate(keys.FromHeaders(st.hdr.all))
	if !ok {
		return st.reject(&api.Error{Status: http.StatusUnauthorized, Message: "invalid or missing API key"})
	}
	st.identity, st.authenticated = id, true
	if ep.Err != nil { // a path tollgate serves, with a part it refuses (a Gemini model)
		return st.reject(ep.Err)
	}

	if ep.ListModels || ep.BedrockCatalog != "" {
		if st.hdr.method != http.MethodGet {
			return st.reject(api.Errorf(http.StatusMethodNotAllowed, "%s %s: use GET", st.hdr.method, path))
		}
		body := st.local.modelsJSON
		if ep.BedrockCatalog != "" {
			body = st.local.listings[ep.BedrockCatalog]
		}
		st.code = http.StatusOK
		resp := immediate(http.StatusOK, "application/json", body, "tollgate_models")
		resp.DynamicMetadata = st.finish(false)
		return resp
	}
	if st.hdr.method != http.MethodPost {
		return st.reject(api.Errorf(http.StatusMethodNotAllowed, "%s %s: use POST", st.hdr.method, path))
	}
	if ct := api.MediaType(st.hdr.contentType); ct != "" && !api.IsJSON(ct) {
		return st.reject(api.Errorf(http.StatusUnsupportedMediaType, "content-type %q: the body must be application/json", ct))
	}
	if h.EndOfStream {
		return st.reject(api.Errorf(http.StatusBadRequest, "request body is empty; a JSON body is required"))
	}
	if e := st.admitHeaders(); e != nil {
		return st.reject(e)
	}
	st.phase = phaseAuthorized
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
		RequestHeaders: &extprocv3.HeadersResponse{},
	}}
}
