package envoysim

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// exchange is one HTTP request through the stand-in. Not safe for concurrent use.
type exchange struct {
	h    *Proxy
	cfg  *config
	w    http.ResponseWriter
	r    *http.Request
	s    *filter.Stream
	req  filter.Headers
	body []byte
	lc   logContext
	// routeCleared is set when a reply cleared the route cache.
	routeCleared bool
	sentHeaders  bool
}

func newExchange(h *Proxy, w http.ResponseWriter, r *http.Request) *exchange {
	x := &exchange{h: h, cfg: h.cfg, w: w, r: r}
	x.lc.start = time.Now()
	x.s = filter.NewStream(h.cfg.ext, h.extproc)
	x.s.Begin(r.Context())
	x.req = x.requestHeaders()
	return x
}

// requestHeaders builds the header map Envoy's HTTP/1 codec and connection manager hand
// to the filters: pseudo-headers first, names lower-cased, x-request-id generated when
// absent (generate_request_id) and x-forwarded-proto set when absent
// (source/common/http/conn_manager_utility.cc mutateRequestHeaders).
func (x *exchange) requestHeaders() filter.Headers {
	r := x.r
	m := filter.Of(":authority", r.Host, ":path", r.RequestURI, ":method", r.Method, ":scheme", "http")
	for k, vs := range r.Header {
		for _, v := range vs {
			m.Add(strings.ToLower(k), v)
		}
	}
	if _, ok := m.Get("content-length"); !ok && r.ContentLength > 0 {
		m.Add("content-length", strconv.FormatInt(r.ContentLength, 10))
	}
	if _, ok := m.Get("x-forwarded-proto"); !ok {
		m.Add("x-forwarded-proto", "http")
	}
	if _, ok := m.Get("x-request-id"); !ok && x.cfg.requestID {
		m.Add("x-request-id", uuid4())
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

func (x *exchange) run() error {
	// The ext_proc filter looks up its per-route config in decodeHeaders, so the route
	// is resolved (and cached) on the headers as the client sent them.
	rt := x.cfg.routes.match(x.req)

	if lr := x.readBody(); lr != nil {
		return x.local(lr)
	}
	eos := len(x.body) == 0 && x.r.ContentLength <= 0

	// 1. request_headers (ext_proc.cc decodeHeaders; processor_state.cc handleHeadersResponse).
	if x.s.Mode().RequestHeader != ext_procfilterv3.ProcessingMode_SKIP {
		resp, f := x.s.Call(filter.RequestHeaders(x.req.Proto(), eos))
		if f != nil {
			return x.fail(f)
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			return x.immediate(ir)
		}
		if resp != nil {
			if lr := x.checkMode(); lr != nil {
				return x.local(lr)
			}
			body, _, f := x.s.HeadersReply(resp, &x.req, x.body)
			if f != nil {
				return x.fail(f)
			}
			x.body = body
			x.clearRouteCache(resp)
		}
	}

	// 2. request_body: BUFFERED sends the whole body in one message; STREAMED sends it
	// as it arrives (here: one chunk, since the stand-in reads the body first).
	bodyMode := x.s.Mode().RequestBody
	if !eos && bodyMode != ext_procfilterv3.ProcessingMode_NONE && !x.s.Complete() {
		if filter.RemovesContentLength(bodyMode, x.s.Mode().RequestHeader) {
			x.req.Remove("content-length")
		}
		resp, f := x.s.Call(filter.RequestBody(x.body, true))
		if f != nil {
			return x.fail(f)
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			return x.immediate(ir)
		}
		if resp != nil {
			if bodyMode == ext_procfilterv3.ProcessingMode_BUFFERED {
				body, f := x.s.BodyReply(resp, &x.req, x.body)
				if f != nil {
					return x.fail(f)
				}
				x.body = body
			} else if bm := filter.Common(resp).GetBodyMutation(); bm != nil {
				x.body = filter.ApplyBodyMutation(bm, x.body)
			}
			x.clearRouteCache(resp)
		}
	}

	// 3. The router: re-match on the mutated headers if the route cache was cleared.
	if x.routeCleared {
		rt = x.cfg.routes.match(x.req)
	}
	return x.route(rt)
}

// clearRouteCache notes a request-side reply that clears the route cache (see
// filter.ClearsRouteCache).
func (x *exchange) clearRouteCache(resp *extprocv3.ProcessingResponse) {
	if filter.ClearsRouteCache(resp) {
		x.routeCleared = true
	}
}

// checkMode refuses a mode_override to a body mode the stand-in does not emulate.
func (x *exchange) checkMode() *localReply {
	if err := supportedMode(x.s.Mode()); err != nil {
		return &localReply{code: http.StatusInternalServerError, details: "envoysim_unsupported_mode_override"}
	}
	return nil
}

// readBody reads the request body; a body larger than the request body buffer limit
// (the virtual host's request_body_buffer_limit, else the listener's buffer limit) is a
// local 413 when the ext_proc filter must buffer it (docs: "Why is Envoy sending 413s?").
func (x *exchange) readBody() *localReply {
	limit := x.cfg.requestLimit
	b, err := io.ReadAll(io.LimitReader(x.r.Body, limit+1))
	x.lc.bytesReceived = int64(len(b))
	if err != nil {
		return &localReply{code: http.StatusBadRequest, details: "downstream_remote_disconnect"}
	}
	if int64(len(b)) > limit && x.s.Mode().RequestBody == ext_procfilterv3.ProcessingMode_BUFFERED {
		return &localReply{code: http.StatusRequestEntityTooLarge, body: []byte("Payload Too Large"), details: "request_payload_too_large"}
	}
	x.body = b
	return nil
}
