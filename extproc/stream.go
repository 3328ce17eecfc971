package extproc

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tollgate/tollgate/extproc/api"
	"github.com/tollgate/tollgate/extproc/config"
	"github.com/tollgate/tollgate/extproc/keys"
	"github.com/tollgate/tollgate/extproc/provider"
	"github.com/tollgate/tollgate/extproc/routing"
	"github.com/tollgate/tollgate/pricing"
)

// stream is the state of one HTTP request's ext_proc stream. It is owned by the
// goroutine running Process and is not safe for concurrent use.
type stream struct {
	srv *Server
	rt  *config.Runtime
	log *slog.Logger
	// prices is the price table this request is priced with, taken at its start so a
	// refresh landing mid-stream does not mix two tables.
	prices *pricing.Table

	start time.Time

	// Request side.
	hdr      requestHeaders
	endpoint api.Endpoint
	kind     api.Kind
	identity keys.Identity
	route    routing.Route
	prov     provider.Provider
	streamed bool // the client asked for a stream
	routed   bool // a provider was chosen (labels are safe to use)

	// Response side.
	resp  response
	reply chunkReply

	// done is set once the request's outcome has been recorded.
	done bool
	code int
}

func newStream(s *Server, rt *config.Runtime) *stream {
	st := &stream{srv: s, rt: rt, log: s.log, start: s.now()}
	if s.prices != nil {
		st.prices = s.prices.Current()
	}
	return st
}

// handleSafely runs handle and turns a panic into an error for this request only: a
// local reply while the client has not been answered yet, a stream error otherwise.
func (st *stream) handleSafely(req *extprocv3.ProcessingRequest) (resp *extprocv3.ProcessingResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			st.log.Error("panic while processing request", "request_id", st.hdr.requestID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			switch req.Request.(type) {
			case *extprocv3.ProcessingRequest_RequestHeaders, *extprocv3.ProcessingRequest_RequestBody:
				resp, err = st.reject(api.Errorf(http.StatusInternalServerError, "internal error in the gateway")), nil
			default:
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}
	}()
	return st.handle(req), nil
}

// handle answers one message with exactly one response of the matching type.
func (st *stream) handle(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	switch r := req.Request.(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return st.onRequestHeaders(r.RequestHeaders)
	case *extprocv3.ProcessingRequest_RequestBody:
		return st.onRequestBody(r.RequestBody)
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestTrailers{RequestTrailers: &extprocv3.TrailersResponse{}}}
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return st.onResponseHeaders(r.ResponseHeaders)
	case *extprocv3.ProcessingRequest_ResponseBody:
		return st.onResponseBody(r.ResponseBody)
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		resp := &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseTrailers{ResponseTrailers: &extprocv3.TrailersResponse{}}}
		resp.DynamicMetadata = st.finish(false)
		return resp
	default:
		return nil
	}
}

// reject answers the client with an error in its own API's shape, and records it.
func (st *stream) reject(e *api.Error) *extprocv3.ProcessingResponse {
	st.code = e.Status
	kind := st.kind
	if kind == api.Unknown && st.endpoint.Kind == api.Unknown {
		kind = guessKind(st.hdr.path)
	}
	resp := immediate(e.Status, "application/json", e.Body(kind), "tollgate_"+http.StatusText(e.Status))
	st.finish(false)
	return resp
}

// close runs when the ext_proc stream ends; a request not finished by then was cut
// short, and what was seen of it is recorded.
func (st *stream) close() {
	defer func() {
		if p := recover(); p != nil {
			st.log.Error("panic while recording an interrupted request", "request_id", st.hdr.requestID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if !st.done && st.hdr.path != "" {
		st.finish(true)
	}
}
