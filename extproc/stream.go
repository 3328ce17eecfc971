package extproc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/internal/routing"
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/pricing"
)

// stream is the state of one HTTP request's ext_proc stream. It is owned by the
// goroutine running Process and is not safe for concurrent use.
type stream struct {
	srv *Server
	rt  *assembly.Runtime
	// local holds the bodies answered without a provider, rendered from rt.
	local *snapshot
	log   *slog.Logger
	// ctx is the ext_proc stream's context: done when Envoy cancels the stream (the
	// client went away), so that nothing keeps waiting on its behalf.
	ctx context.Context
	// prices is the price table this request is priced with, taken at its start so a
	// refresh landing mid-stream does not mix two tables.
	prices *pricing.Table

	start time.Time

	// phase is where the stream is in Envoy's message order (see handle).
	phase phase

	// Request side.
	hdr      requestHeaders
	endpoint api.Endpoint
	kind     api.Kind
	identity keys.Identity
	// reserved is this request's share of the in-flight body bytes (admission.go);
	// retryAfter is set on a rejection the client should retry.
	reserved   int64
	retryAfter string
	// authenticated is set once the client's key was accepted (or the gateway is open);
	// no provider credential is injected without it.
	authenticated bool
	route         routing.Route
	prov          provider.Provider
	streamed      bool // the client asked for a stream
	// fastRequested: an Anthropic request asked for fast mode (speed: "fast"); it is
	// billed as fast unless the response reports the speed that served it.
	fastRequested bool
	routed        bool // a provider was chosen (labels are safe to use)
	// budget is the request's budget accounting (budget.go): nil when no budget
	// applies, or once charged.
	budget *budget.Request

	// requested is the model the client asked for, once read, routed or not: the log
	// line carries it even when no rule matched (labels never do).
	requested string

	// Response side.
	resp  response
	reply chunkReply

	// done is set once the request's outcome has been recorded.
	done bool
	code int
}

func newStream(s *Server, snap *snapshot) *stream {
	st := &stream{srv: s, rt: snap.rt, local: snap, log: s.log, ctx: context.Background(), start: s.now()}
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
				st.phase = phaseAnswered
			default:
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}
	}()
	resp, err = st.handle(req)
	if resp.GetImmediateResponse() != nil {
		st.phase = phaseAnswered
	}
	return resp, err
}

// phase is where a stream is in Envoy's message order. Envoy sends request headers,
// then (BUFFERED) the request body, then the response; after an immediate response it
// sends nothing more. A peer that does otherwise is not Envoy, and is refused with a
// stream error rather than answered: above all, no message reaches the code that
// injects a provider credential unless the request headers were authenticated first.
type phase uint8

const (
	phaseStart      phase = iota // nothing seen yet: request headers are due
	phaseAuthorized              // request headers accepted (client authenticated): the body is due
	phaseForwarded               // the request went upstream: response messages are due
	phaseAnswered                // an immediate response was sent: the stream is over
)

// errOutOfOrder ends a stream whose peer broke Envoy's message order.
func errOutOfOrder(what string, p phase) error {
	names := [...]string{"before request headers", "after request headers", "after the request was forwarded", "after a local reply"}
	return status.Errorf(codes.FailedPrecondition, "tollgate: %s %s is not accepted; the stream is closed", what, names[p])
}

// handle answers one message with exactly one response of the matching type, or ends
// the stream with an error when the message is out of Envoy's order or of no known type.
func (st *stream) handle(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
	switch r := req.Request.(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		if st.phase != phaseStart {
			return nil, errOutOfOrder("request headers", st.phase)
		}
		return st.onRequestHeaders(r.RequestHeaders), nil
	case *extprocv3.ProcessingRequest_RequestBody:
		if st.phase != phaseAuthorized {
			return nil, errOutOfOrder("a request body", st.phase)
		}
		return st.onRequestBody(r.RequestBody), nil
	case *extprocv3.ProcessingRequest_RequestTrailers:
		if st.phase == phaseStart || st.phase == phaseAnswered {
			return nil, errOutOfOrder("request trailers", st.phase)
		}
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestTrailers{RequestTrailers: &extprocv3.TrailersResponse{}}}, nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		if st.phase != phaseForwarded {
			return nil, errOutOfOrder("response headers", st.phase)
		}
		return st.onResponseHeaders(r.ResponseHeaders), nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		if st.phase != phaseForwarded {
			return nil, errOutOfOrder("a response body", st.phase)
		}
		return st.onResponseBody(r.ResponseBody), nil
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		if st.phase != phaseForwarded {
			return nil, errOutOfOrder("response trailers", st.phase)
		}
		resp := &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseTrailers{ResponseTrailers: &extprocv3.TrailersResponse{}}}
		resp.DynamicMetadata = st.finish(false)
		return resp, nil
	default:
		// Envoy waits out its message_timeout for a reply that would never come; say so
		// at once instead.
		return nil, status.Errorf(codes.InvalidArgument, "tollgate: a ProcessingRequest of no known type (%T); the stream is closed", req.Request)
	}
}

// reject answers the client with an error in its own API's shape, and records it.
func (st *stream) reject(e *api.Error) *extprocv3.ProcessingResponse { return st.rejectWith(e) }

// rejectWith is reject with more headers on the reply (retry-after).
func (st *stream) rejectWith(e *api.Error, headers ...*corev3.HeaderValueOption) *extprocv3.ProcessingResponse {
	st.code = e.Status
	kind := st.kind
	if kind == api.Unknown && st.endpoint.Kind == api.Unknown {
		kind = guessKind(st.hdr.path)
	}
	if st.retryAfter != "" {
		headers = append(headers, setHeader("retry-after", st.retryAfter))
	}
	resp := immediate(e.Status, "application/json", e.Body(kind), "tollgate_"+http.StatusText(e.Status), headers...)
	st.release()
	// The local reply's access log line gets what is known of the request (team, model,
	// provider): Envoy applies an immediate_response's dynamic_metadata (finish.go).
	resp.DynamicMetadata = st.finish(false)
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
	st.release()
	if !st.done && st.hdr.path != "" {
		st.finish(true)
	}
}
