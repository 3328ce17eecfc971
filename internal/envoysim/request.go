package envoysim

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// exchange is one HTTP request through the stand-in. Not safe for concurrent use.
type exchange struct {
	h    *Proxy
	cfg  *config
	w    http.ResponseWriter
	r    *http.Request
	p    *processor
	req  headerMap
	body []byte
	lc   logContext
	// routeCleared is set when a reply cleared the route cache.
	routeCleared bool
	sentHeaders  bool
}

func newExchange(h *Proxy, w http.ResponseWriter, r *http.Request) *exchange {
	x := &exchange{h: h, cfg: h.cfg, w: w, r: r}
	x.lc.start = time.Now()
	x.lc.metadata = map[string]*structpb.Struct{}
	x.p = newProcessor(r.Context(), h.cfg, h.conn, x.lc.metadata)
	x.req = x.requestHeaders()
	return x
}

// requestHeaders builds the header map Envoy's HTTP/1 codec and connection manager hand
// to the filters: pseudo-headers first, names lower-cased, x-request-id generated when
// absent (generate_request_id) and x-forwarded-proto set when absent
// (source/common/http/conn_manager_utility.cc mutateRequestHeaders).
func (x *exchange) requestHeaders() headerMap {
	r := x.r
	m := headerMap{{":authority", r.Host}, {":path", r.RequestURI}, {":method", r.Method}, {":scheme", "http"}}
	for k, vs := range r.Header {
		for _, v := range vs {
			m.add(strings.ToLower(k), v)
		}
	}
	if _, ok := m.get("content-length"); !ok && r.ContentLength > 0 {
		m.add("content-length", strconv.FormatInt(r.ContentLength, 10))
	}
	if _, ok := m.get("x-forwarded-proto"); !ok {
		m.add("x-forwarded-proto", "http")
	}
	if _, ok := m.get("x-request-id"); !ok && x.cfg.requestID {
		m.add("x-request-id", uuid4())
	}
	return m
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// shouldRemoveContentLength: once the body may be mutated Envoy drops content-length in
// STREAMED mode and in BUFFERED mode with header mode SKIP; with BUFFERED and SEND it
// stays and the processor must keep it right (processing_mode.proto BodySendMode docs;
// processor_state.h shouldRemoveContentLength).
func shouldRemoveContentLength(body ext_procfilterv3.ProcessingMode_BodySendMode, hdr ext_procfilterv3.ProcessingMode_HeaderSendMode) bool {
	switch body {
	case ext_procfilterv3.ProcessingMode_STREAMED, ext_procfilterv3.ProcessingMode_BUFFERED_PARTIAL, ext_procfilterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		return true
	case ext_procfilterv3.ProcessingMode_BUFFERED:
		return hdr == ext_procfilterv3.ProcessingMode_SKIP
	}
	return false
}

func (x *exchange) run() error {
	// The ext_proc filter looks up its per-route config in decodeHeaders, so the route
	// is resolved (and cached) on the headers as the client sent them.
	rt := x.cfg.routes.match(x.req)

	if lr := x.readBody(); lr != nil {
		return x.local(lr)
	}
	eos := len(x.body) == 0 && x.r.ContentLength <= 0
	mode := x.p.mode

	// 1. request_headers (ext_proc.cc decodeHeaders; processor_state.cc handleHeadersResponse).
	if mode.GetRequestHeaderMode() != ext_procfilterv3.ProcessingMode_SKIP {
		resp, lr := x.p.call(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
			RequestHeaders: &extprocv3.HttpHeaders{Headers: x.req.proto(), EndOfStream: eos}}}, expectRequestHeaders)
		if lr != nil {
			return x.local(lr)
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			return x.immediate(ir)
		}
		if resp != nil {
			if lr := x.p.overrideMode(resp); lr != nil {
				return x.local(lr)
			}
			common := resp.GetRequestHeaders().GetResponse()
			rm := shouldRemoveContentLength(x.p.mode.GetRequestBodyMode(), x.p.mode.GetRequestHeaderMode())
			if err := applyHeaderMutation(common.GetHeaderMutation(), &x.req, x.cfg.checker, rm); err != nil {
				return x.local(&localReply{code: http.StatusInternalServerError, details: detailsOf(err)})
			}
			x.clearRouteCache(common)
			if common.GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
				// CONTINUE_AND_REPLACE: the body is replaced (content-length dropped) and no
				// more messages are sent for this direction.
				if common.GetBodyMutation() != nil {
					x.req.remove("content-length")
					x.body = applyBodyMutation(common.GetBodyMutation(), x.body)
				}
				x.p.mode.RequestBodyMode = ext_procfilterv3.ProcessingMode_NONE
			}
		}
	}

	// 2. request_body: BUFFERED sends the whole body in one message; STREAMED sends it
	// as it arrives (here: one chunk, since the stand-in reads the body first).
	bodyMode := x.p.mode.GetRequestBodyMode()
	if !eos && bodyMode != ext_procfilterv3.ProcessingMode_NONE && !x.p.complete {
		if shouldRemoveContentLength(bodyMode, x.p.mode.GetRequestHeaderMode()) {
			x.req.remove("content-length")
		}
		resp, lr := x.p.call(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
			RequestBody: &extprocv3.HttpBody{Body: x.body, EndOfStream: true}}}, expectRequestBody)
		if lr != nil {
			return x.local(lr)
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			return x.immediate(ir)
		}
		if resp != nil {
			common := resp.GetRequestBody().GetResponse()
			if lr := x.bodyReply(common, &x.req, &x.body, bodyMode == ext_procfilterv3.ProcessingMode_BUFFERED); lr != nil {
				return x.local(lr)
			}
			x.clearRouteCache(common)
		}
	}

	// 3. The router: re-match on the mutated headers if the route cache was cleared.
	if x.routeCleared {
		rt = x.cfg.routes.match(x.req)
	}
	return x.route(rt)
}

// bodyReply applies a reply to a BUFFERED body (processor_state.cc
// handleBufferedBodyCallback): header mutation while the headers are still held, then
// the content-length check (a body_mutation whose length differs from the
// content-length now in the headers is an error: a local 500), then the body.
func (x *exchange) bodyReply(common *extprocv3.CommonResponse, hdrs *headerMap, body *[]byte, buffered bool) *localReply {
	if buffered {
		if err := applyHeaderMutation(common.GetHeaderMutation(), hdrs, x.cfg.checker, false); err != nil {
			return &localReply{code: http.StatusInternalServerError, details: detailsOf(err)}
		}
	}
	bm := common.GetBodyMutation()
	if bm == nil {
		return nil
	}
	if cl, ok := hdrs.get("content-length"); ok && buffered {
		if n, err := strconv.Atoi(cl); err == nil && n != len(bm.GetBody()) {
			return &localReply{code: http.StatusInternalServerError,
				details: "mismatch_between_content_length_and_the_length_of_the_mutated_body"}
		}
	}
	*body = applyBodyMutation(bm, *body)
	return nil
}

// clearRouteCache follows DecodingProcessorState::clearRouteCache with
// route_cache_action DEFAULT: clear only if the reply asks for it *and* carries a header
// mutation.
func (x *exchange) clearRouteCache(common *extprocv3.CommonResponse) {
	if common.GetClearRouteCache() && common.GetHeaderMutation() != nil {
		x.routeCleared = true
	}
}

// readBody reads the request body; a body larger than the listener's buffer limit
// is a local 413 when the ext_proc filter must buffer it (docs: "Why is Envoy sending
// 413s?").
func (x *exchange) readBody() *localReply {
	limit := x.cfg.bufferLimit
	b, err := io.ReadAll(io.LimitReader(x.r.Body, limit+1))
	x.lc.bytesReceived = int64(len(b))
	if err != nil {
		return &localReply{code: http.StatusBadRequest, details: "downstream_remote_disconnect"}
	}
	if int64(len(b)) > limit && x.p.mode.GetRequestBodyMode() == ext_procfilterv3.ProcessingMode_BUFFERED {
		return &localReply{code: http.StatusRequestEntityTooLarge, body: []byte("Payload Too Large"), details: "request_payload_too_large"}
	}
	x.body = b
	return nil
}

// immediate sends an ImmediateResponse as a local reply: a status below 200 becomes
// 200 (mutation_utils.cc isValidHttpStatus), headers go through the mutation checker,
// details feed %RESPONSE_CODE_DETAILS%.
func (x *exchange) immediate(ir *extprocv3.ImmediateResponse) error {
	code := int(ir.GetStatus().GetCode())
	if code < 200 {
		code = 200
	}
	var hm headerMap
	_ = applyHeaderMutation(ir.GetHeaders(), &hm, x.cfg.checker, false)
	return x.local(&localReply{code: code, headers: hm, body: ir.GetBody(), details: ir.GetDetails()})
}

// detailsOf turns an error into response_code_details form (spaces → underscores).
func detailsOf(err error) string { return strings.ReplaceAll(err.Error(), " ", "_") }

// local answers the client from the filter chain itself (sendLocalReply): the ext_proc
// filter's own replies do not go back through ext_proc (processing_complete_).
func (x *exchange) local(lr *localReply) error {
	if x.sentHeaders {
		x.lc.details = lr.details
		return errAbort
	}
	hm := headerMap{{":status", strconv.Itoa(lr.code)}}
	if len(lr.body) > 0 {
		hm.set("content-type", "text/plain")
	}
	for _, h := range lr.headers {
		hm.set(h.key, h.value)
	}
	hm.set("content-length", strconv.Itoa(len(lr.body)))
	x.lc.code, x.lc.details = lr.code, lr.details
	x.lc.flags = append(x.lc.flags, lr.flags...)
	x.writeHeaders(lr.code, hm)
	n, _ := x.w.Write(lr.body)
	x.lc.bytesSent += int64(n)
	return nil
}

// writeHeaders sends the response headers to the client. Go's server needs canonical
// names to see Content-Length and Content-Type; clients treat names case-insensitively.
// The connection manager adds `server` after the filters ran (server_name, default
// "envoy"; conn_manager_utility.cc mutateResponseHeaders).
func (x *exchange) writeHeaders(code int, hm headerMap) {
	x.lc.resp = hm
	hdr := x.w.Header()
	for _, h := range hm {
		if strings.HasPrefix(h.key, ":") {
			continue
		}
		k := http.CanonicalHeaderKey(h.key)
		hdr[k] = append(hdr[k], h.value)
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil // no sniffing: Envoy adds none
	}
	hdr["Server"] = []string{x.cfg.serverName}
	x.w.WriteHeader(code)
	x.sentHeaders = true
}

// headerOptions applies route-level request/response header additions
// (HeaderValueOption with append_action; header_parser.cc). Values are literal: the
// stand-in does not evaluate %VAR% substitutions in them.
func headerOptions(hm *headerMap, opts []*corev3.HeaderValueOption) {
	for _, o := range opts {
		k, v := strings.ToLower(o.GetHeader().GetKey()), o.GetHeader().GetValue()
		if v == "" {
			v = string(o.GetHeader().GetRawValue())
		}
		_, exists := hm.get(k)
		switch o.GetAppendAction() {
		case corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD:
			hm.add(k, v)
		case corev3.HeaderValueOption_ADD_IF_ABSENT:
			if !exists {
				hm.add(k, v)
			}
		case corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD:
			hm.set(k, v)
		case corev3.HeaderValueOption_OVERWRITE_IF_EXISTS:
			if exists {
				hm.set(k, v)
			}
		}
	}
}
