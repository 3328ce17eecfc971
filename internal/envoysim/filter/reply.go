package filter

import (
	"fmt"
	"net/http"
	"strconv"

	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// HeadersReply applies a request_headers or response_headers reply to the headers it
// answered (h; nil when the caller keeps no headers) and to the body held so far (body),
// as ProcessorState::handleHeadersResponse (processor_state.cc) does: the header
// mutation under the mutation rules (a content-length set is skipped when the body
// mode in force drops that header), then, for CONTINUE_AND_REPLACE, the body replaced by
// the body mutation (content-length removed) and no further body messages in that
// direction. It returns the body and whether it was replaced.
func (s *Stream) HeadersReply(reply *extprocv3.ProcessingResponse, h *Headers, body []byte) ([]byte, bool, *Failure) {
	c := Common(reply)
	request := reply.GetRequestHeaders() != nil
	bodyMode, hdrMode := &s.mode.ResponseBody, s.mode.ResponseHeader
	if request {
		bodyMode, hdrMode = &s.mode.RequestBody, s.mode.RequestHeader
	}
	if h != nil {
		if err := ApplyHeaderMutation(c.GetHeaderMutation(), h, s.cfg.Mutations, RemovesContentLength(*bodyMode, hdrMode)); err != nil {
			return body, false, mutationFailure(err)
		}
	}
	if c.GetStatus() != extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
		return body, false, nil
	}
	*bodyMode = ext_procv3.ProcessingMode_NONE
	bm := c.GetBodyMutation()
	if bm == nil {
		return body, false, nil
	}
	if h != nil {
		h.Remove("content-length")
	}
	return ApplyBodyMutation(bm, body), true, nil
}

// BodyReply applies a reply to a BUFFERED body (ProcessorState::handleBodyResponse,
// BufferedBodyCallback): the header mutation while the headers are still held (h; nil:
// none kept), then the content-length check (a body mutation whose length differs from
// the content-length now in the headers is a local 500), then the body mutation.
func (s *Stream) BodyReply(reply *extprocv3.ProcessingResponse, h *Headers, body []byte) ([]byte, *Failure) {
	c := Common(reply)
	if h != nil {
		if err := ApplyHeaderMutation(c.GetHeaderMutation(), h, s.cfg.Mutations, false); err != nil {
			return body, mutationFailure(err)
		}
	}
	bm := c.GetBodyMutation()
	if bm == nil {
		return body, nil
	}
	if cl, ok := h.get("content-length"); ok {
		if n, err := strconv.Atoi(cl); err == nil && n != len(bm.GetBody()) {
			return body, mutationFailure(fmt.Errorf("mismatch between content length and the length of the mutated body"))
		}
	}
	return ApplyBodyMutation(bm, body), nil
}

// ClearsRouteCache reports whether a request-side reply clears the route cache, as
// DecodingProcessorState::clearRouteCache does with route_cache_action DEFAULT: only if
// it asks to *and* carries a header mutation.
func ClearsRouteCache(reply *extprocv3.ProcessingResponse) bool {
	c := Common(reply)
	return c.GetClearRouteCache() && c.GetHeaderMutation() != nil
}

// LocalReply is a response the filter answers the client with itself.
type LocalReply struct {
	Status  int
	Headers Headers
	Body    []byte
	Details string
}

// Immediate is the local reply for an immediate_response: a status below 200 becomes
// 200 (mutation_utils.cc isValidHttpStatus), its headers go through the mutation rules
// (a refused one is dropped), details feed %RESPONSE_CODE_DETAILS%.
func (s *Stream) Immediate(ir *extprocv3.ImmediateResponse) LocalReply {
	code := int(ir.GetStatus().GetCode())
	if code < http.StatusOK {
		code = http.StatusOK
	}
	var h Headers
	_ = ApplyHeaderMutation(ir.GetHeaders(), &h, s.cfg.Mutations, false)
	return LocalReply{Status: code, Headers: h, Body: ir.GetBody(), Details: ir.GetDetails()}
}

// get is Get on a possibly nil map.
func (m *Headers) get(key string) (string, bool) {
	if m == nil {
		return "", false
	}
	return m.Get(key)
}
