package filter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// Stream is the filter's side of one HTTP request's ext_proc stream
// (external_processor.proto): opened at the first message, one reply awaited per
// message. A Stream may serve many requests one after another (Begin starts each), so
// that a load generator reuses its buffers. Not safe for concurrent use.
type Stream struct {
	cfg    *Config
	client extprocv3.ExternalProcessorClient

	ctx    context.Context
	cancel context.CancelFunc
	grpc   grpc.BidiStreamingClient[extprocv3.ProcessingRequest, extprocv3.ProcessingResponse]
	mode   Mode
	// complete is set once the filter stops talking to the server for this request: the
	// server closed the stream cleanly, an error ended processing, or an immediate
	// response was received (ext_proc.cc processing_complete_).
	complete bool
	// md is the dynamic metadata of the replies, in order (see Metadata).
	md []*structpb.Struct
	// spare receives what arrives after the last message (see Close).
	spare extprocv3.ProcessingResponse
}

// NewStream returns a stream to client configured by cfg (nil: the zero Config). Call
// Begin before the first message of each request.
func NewStream(cfg *Config, client extprocv3.ExternalProcessorClient) *Stream {
	if cfg == nil {
		cfg = &Config{}
	}
	return &Stream{cfg: cfg, client: client}
}

// Begin starts a new request on s, bound to ctx: the processing mode is the Config's
// again, no metadata is kept. A request still open on s is cancelled.
func (s *Stream) Begin(ctx context.Context) {
	if s.cancel != nil {
		s.cancel()
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.grpc, s.mode, s.complete, s.md = nil, s.cfg.Mode, false, s.md[:0]
}

// Mode is the processing mode in force (the Config's, as replaced by mode_override and
// by CONTINUE_AND_REPLACE).
func (s *Stream) Mode() Mode { return s.mode }

// Complete reports whether the filter has stopped talking to the server for this
// request (Call then returns nil, nil without sending).
func (s *Stream) Complete() bool { return s.complete }

// Call sends req and returns its reply; see CallInto.
func (s *Stream) Call(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, *Failure) {
	return s.CallInto(req, &extprocv3.ProcessingResponse{})
}

// CallInto sends req and receives its reply into reply, which it returns. The result is
//   - the reply, of the type that answers req, or an immediate_response (after which
//     the stream is complete);
//   - nil, nil when the filter carries on without the server: it closed the stream
//     cleanly (ext_proc.cc onGrpcClose), the stream was already complete, or an error
//     was tolerated by failure_mode_allow;
//   - a Failure when the request must fail: a gRPC error opening, sending or receiving
//     (500, ext_proc.cc onGrpcError), no reply within the message timeout (504 since
//     Envoy 1.31, onMessageTimeout), a reply of another type ("spurious message", 500;
//     external_processor.proto ProcessingResponse docs).
//
// A reply that only carries override_message_timeout restarts the wait, once per
// message and within max_message_timeout (processor_state.cc restartMessageTimer). A
// headers reply's mode_override replaces the mode for the rest of the request when the
// Config allows it (see override). Dynamic metadata is kept for Metadata.
func (s *Stream) CallInto(req *extprocv3.ProcessingRequest, reply *extprocv3.ProcessingResponse) (*extprocv3.ProcessingResponse, *Failure) {
	if s.complete {
		return nil, nil
	}
	if s.grpc == nil {
		g, err := s.client.Process(s.ctx)
		if err != nil {
			return nil, s.fail(grpcFailure("open stream", err))
		}
		s.grpc = g
	}
	if err := s.grpc.Send(req); err != nil {
		if errors.Is(err, io.EOF) {
			// The stream is over: its status (or a clean end) comes from Recv, after
			// any reply still buffered (grpc.ClientStream.SendMsg).
			err = s.grpc.RecvMsg(reply)
			for err == nil {
				err = s.grpc.RecvMsg(reply)
			}
		}
		return nil, s.grpcError("send "+MessageName(req), err)
	}
	timeout := s.cfg.MessageTimeout
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	restarted := false
	for {
		if err := s.await(reply, timeout, deadline); err != nil {
			if errors.Is(err, errTimeout) {
				return nil, s.fail(&Failure{Status: http.StatusGatewayTimeout,
					Details: errorPrefix + "_per-message_timeout_exceeded",
					Err:     fmt.Errorf("no reply to %s within %s", MessageName(req), timeout)})
			}
			return nil, s.grpcError("awaiting the reply to "+MessageName(req), err)
		}
		if d := reply.GetOverrideMessageTimeout(); d != nil && !Answers(req, reply) {
			if max := s.cfg.MaxMessageTimeout; !restarted && timeout > 0 && max >= time.Millisecond &&
				d.AsDuration() >= time.Millisecond && d.AsDuration() <= max {
				deadline, restarted = time.Now().Add(d.AsDuration()), true
			}
			continue
		}
		if md := reply.GetDynamicMetadata(); md != nil {
			s.md = append(s.md, md)
		}
		if reply.GetImmediateResponse() != nil {
			s.complete = true
			return reply, nil
		}
		if !Answers(req, reply) {
			return nil, s.fail(&Failure{Status: http.StatusInternalServerError,
				Details: errorPrefix + "_spurious_message",
				Err:     fmt.Errorf("%s in reply to %s", ReplyName(reply), MessageName(req))})
		}
		if req.GetRequestHeaders() != nil || req.GetResponseHeaders() != nil {
			s.override(reply)
		}
		return reply, nil
	}
}

// errTimeout is a reply that did not come within the message timeout.
var errTimeout = errors.New("message timeout")

// await receives one reply, by deadline when timeout is set. A wait that times out
// cancels the stream, as Envoy abandons it.
func (s *Stream) await(reply *extprocv3.ProcessingResponse, timeout time.Duration, deadline time.Time) error {
	if timeout <= 0 {
		return s.grpc.RecvMsg(reply)
	}
	var fired atomic.Bool
	cancel := s.cancel
	t := time.AfterFunc(time.Until(deadline), func() { fired.Store(true); cancel() })
	err := s.grpc.RecvMsg(reply)
	if !t.Stop() || fired.Load() {
		return errTimeout
	}
	return err
}

// grpcError ends processing after a gRPC error in op; a clean end of the stream by the
// server lets the request go on without it.
func (s *Stream) grpcError(op string, err error) *Failure {
	if errors.Is(err, io.EOF) {
		s.complete = true
		return nil
	}
	return s.fail(grpcFailure(op, err))
}

// fail ends processing; the request fails closed unless failure_mode_allow.
func (s *Stream) fail(f *Failure) *Failure {
	s.complete = true
	s.cancel()
	if s.cfg.FailureModeAllow {
		return nil
	}
	return f
}

// override applies a headers reply's mode_override: only with allow_mode_override, and
// (if set) only to a mode listed in allowed_override_modes; request_header_mode is
// ignored (ext_proc.cc onReceiveMessage; ext_proc.proto allow_mode_override /
// allowed_override_modes).
func (s *Stream) override(reply *extprocv3.ProcessingResponse) {
	o := reply.GetModeOverride()
	if o == nil || !s.cfg.AllowModeOverride {
		return
	}
	next := ModeOf(o)
	next.RequestHeader = s.mode.RequestHeader
	if allowed := s.cfg.AllowedOverrideModes; len(allowed) > 0 && !slices.ContainsFunc(allowed, func(a Mode) bool {
		a.RequestHeader = next.RequestHeader
		return a == next
	}) {
		return
	}
	s.mode = next
}
