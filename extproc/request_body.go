package extproc

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/api"
)

// ProviderHeader names the provider a request goes to; Envoy's routes match on it.
const ProviderHeader = "x-tollgate-provider"

// onRequestBody reads the model (gjson, no decoding into structs), routes it, lets the
// provider rewrite the request, and replies with the header and body mutations.
// Envoy sends the whole body in one message (BUFFERED).
func (st *stream) onRequestBody(b *extprocv3.HttpBody) *extprocv3.ProcessingResponse {
	if !st.authenticated { // unreachable through handle's phases; kept as the last guard before credentials
		return st.reject(&api.Error{Status: http.StatusUnauthorized, Message: "invalid or missing API key"})
	}
	body := b.Body
	if max := st.maxBody(); int64(len(body)) > max {
		return st.reject(api.Errorf(http.StatusRequestEntityTooLarge,
			"request body of %d bytes exceeds the gateway's limit of %d bytes", len(body), max))
	}
	if e := st.admitBody(len(body)); e != nil {
		return st.reject(e)
	}
	model, top, apiErr := st.requestModel(body)
	switch {
	case apiErr != nil:
	case len(model) > api.MaxModelLength:
		// Checked before the name goes anywhere (log line, error text, metadata): a 30 MB
		// model once wrote 120 MB of log and broke the final gRPC reply.
		apiErr = api.Errorf(http.StatusBadRequest, "model: %d bytes; a model name is at most %d bytes", len(model), api.MaxModelLength)
	case !utf8.ValidString(model): // it becomes a metric label, which must be UTF-8
		apiErr = api.Errorf(http.StatusBadRequest, "model: must be valid UTF-8")
	}
	if apiErr != nil {
		return st.reject(apiErr)
	}
	st.requested = model
	route, ok := st.rt.Router().Resolve(model)
	if !ok {
		return st.unrouted(model)
	}
	st.route, st.prov, st.routed = route, st.rt.Provider(route.Provider), true
	translated := st.translate()
	// The top-level members come from the validating pass (top): no second scan of a
	// body that may be megabytes long. gjson reads each value as it would in the body.
	st.streamed = st.kind == api.BedrockInvokeStream || st.kind == api.VertexStreamRawPredict ||
		st.kind == api.GeminiStreamGenerateContent || gjson.ParseBytes(top.stream).Bool()
	st.fastRequested = gjson.ParseBytes(top.speed).Str == "fast"

	if st.kind == api.OpenAIChat && !translated && st.streamed && !gjson.GetBytes(top.streamOptions, "include_usage").Bool() {
		// Without it OpenAI streams no usage at all; the client then also gets the
		// final usage chunk (choices: []), which every OpenAI client handles.
		var err error
		if body, err = sjson.SetBytes(body, "stream_options.include_usage", true); err != nil {
			return st.reject(api.Errorf(http.StatusBadRequest, "cannot set stream_options: %v", err))
		}
	}

	if refused := st.checkBudgets(model); refused != nil {
		return refused
	}

	preq := provider.Request{
		API: st.kind, Method: st.hdr.method, Headers: st.hdr.all, Body: body,
		ClientModel: model, UpstreamModel: route.UpstreamModel, Stream: st.streamed,
	}
	preq.Path, preq.Query = api.SplitPath(st.hdr.path)
	for _, k := range keys.CredentialHeaders {
		delete(preq.Headers, k)
	}
	mut, err := provider.Prepare(st.ctx, st.prov, &preq)
	if err != nil {
		if st.ctx.Err() != nil {
			return st.cancelled(err)
		}
		var ae *api.Error
		if errors.As(err, &ae) {
			return st.reject(ae)
		}
		st.log.Error("provider failed to prepare request", "provider", route.Provider, "err", err)
		return st.reject(api.Errorf(http.StatusInternalServerError, "provider %q could not prepare the request", route.Provider))
	}
	if mut.Body == nil {
		mut.Body = body
	}
	st.phase = phaseForwarded
	resp := st.requestMutation(b.Body, mut)
	resp.DynamicMetadata = st.routeMetadata()
	return resp
}

// cancelled answers a request whose ext_proc stream was cancelled while the provider
// prepared it (Envoy gave up: the client went away). The answer is never delivered and
// is not recorded as the request's outcome: the stream's end records the request as
// interrupted, with no status.
func (st *stream) cancelled(err error) *extprocv3.ProcessingResponse {
	st.log.Debug("stream cancelled while preparing the request", "request_id", st.hdr.requestID,
		"provider", st.route.Provider, "err", err)
	e := api.Errorf(http.StatusServiceUnavailable, "the request was cancelled")
	return immediate(e.Status, "application/json", e.Body(st.kind), "tollgate_cancelled")
}

// requestModel reads and checks the body's model; the Bedrock and Vertex native paths
// carry it in the path instead. It returns the body's top-level members that the rest
// of the request phase reads.
func (st *stream) requestModel(body []byte) (string, bodyTop, *api.Error) {
	var top bodyTop
	if len(bytes.TrimSpace(body)) == 0 {
		return "", top, api.Errorf(http.StatusBadRequest, "request body is empty; a JSON body is required")
	}
	// One pass validates the body, bounds its nesting and finds its top-level members
	// (jsonlimit.Scan). The bound matters: a recursive parser (gjson reading the body
	// later, here or in a provider) uses a stack frame per level, and a stack overflow is
	// fatal to the whole process, not to this request. It replaces jsonlimit.CheckDepth,
	// gjson.ValidBytes and three more scans of the whole body: most of the cost of a
	// multi-megabyte body above the ext_proc protocol's own (BENCHMARKS.md).
	if err := jsonlimit.Scan(body, jsonlimit.MaxDepth, top.member); err != nil {
		if de := (*jsonlimit.DepthError)(nil); errors.As(err, &de) {
			return "", top, api.Errorf(http.StatusBadRequest, "request body is not acceptable: %v", err)
		}
		return "", top, api.Errorf(http.StatusBadRequest, "request body is not valid JSON")
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); trimmed[0] != '{' {
		return "", top, api.Errorf(http.StatusBadRequest, "request body must be a JSON object")
	}
	if st.endpoint.PathModel != "" {
		return st.endpoint.PathModel, top, nil
	}
	// tollgate routes on the first "model" while upstream parsers keep the last, so the
	// provider could serve (and bill) a model other than the one routed: a second one
	// is refused.
	if top.models > 1 {
		return "", top, api.Errorf(http.StatusBadRequest, "model: the body has more than one \"model\" field")
	}
	m := gjson.ParseBytes(top.model)
	switch {
	case top.model == nil:
		return "", top, api.Errorf(http.StatusBadRequest, "model: field required")
	case m.Type != gjson.String:
		return "", top, api.Errorf(http.StatusBadRequest, "model: must be a string")
	case m.Str == "":
		return "", top, api.Errorf(http.StatusBadRequest, "model: must not be empty")
	}
	return m.Str, top, nil
}

// bodyTop is what the request phase reads of a JSON body's top-level members: the raw
// value of the first of each key (nil when absent), as gjson.GetBytes(body, key) finds
// it, and how many "model" keys there are. The values alias the body.
type bodyTop struct {
	model, stream, speed, streamOptions []byte
	models                              int
}

// member is jsonlimit.Scan's callback: key is quoted, with its escapes as sent (a key
// spelt "mod\u0065l" is "model" to every JSON parser upstream, so it is one here too).
func (t *bodyTop) member(key, value []byte) {
	k := key[1 : len(key)-1]
	if bytes.IndexByte(k, '\\') >= 0 {
		k = []byte(gjson.ParseBytes(key).Str)
	}
	first := func(v *[]byte) {
		if *v == nil {
			*v = value
		}
	}
	switch string(k) {
	case "model":
		t.models++
		first(&t.model)
	case "stream":
		first(&t.stream)
	case "speed":
		first(&t.speed)
	case "stream_options":
		first(&t.streamOptions)
	}
}

// requestMutation turns a provider's Mutation into Envoy's reply: set
// x-tollgate-provider and clear the route cache so Envoy re-matches its routes on it,
// remove the client's credentials, apply the provider's headers, path and body, and
// keep content-length equal to the body sent (BUFFERED with header mode SEND keeps the
// header, so it must match).
func (st *stream) requestMutation(original []byte, mut provider.Mutation) *extprocv3.ProcessingResponse {
	set := make([]*corev3.HeaderValueOption, 0, 4+len(mut.SetHeaders))
	set = append(set, setHeader(ProviderHeader, st.route.Provider))
	setKeys := map[string]bool{ProviderHeader: true}
	for _, h := range mut.SetHeaders {
		set = append(set, setHeader(h.Key, h.Value))
		setKeys[h.Key] = true
	}
	path := mut.Path
	if path == "" {
		path = st.hdr.path
	}
	// A key in the query (?key=, ?api_key=) is a client credential too: it never goes on.
	if clean, changed := api.StripCredentialParams(path); changed || mut.Path != "" {
		set = append(set, setHeader(":path", clean))
	}
	set = append(set, setHeader("content-length", strconv.Itoa(len(mut.Body))))

	var remove []string
	for _, k := range keys.CredentialHeaders {
		if !setKeys[k] {
			remove = append(remove, k)
		}
	}
	for _, k := range keys.ClientOnlyHeaders {
		if !setKeys[k] {
			remove = append(remove, k)
		}
	}
	for _, k := range mut.RemoveHeaders {
		if !setKeys[k] {
			remove = append(remove, k)
		}
	}
	common := &extprocv3.CommonResponse{
		HeaderMutation:  &extprocv3.HeaderMutation{SetHeaders: set, RemoveHeaders: remove},
		ClearRouteCache: true,
	}
	if !sameBytes(original, mut.Body) {
		common.BodyMutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: mut.Body}}
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{
		RequestBody: &extprocv3.BodyResponse{Response: common},
	}}
}

// sameBytes reports whether a and b are the same slice (not merely equal bytes).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
