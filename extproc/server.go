// Package extproc is tollgate's Envoy external-processing service: one gRPC stream per
// HTTP request, driven through request headers, request body, response headers and
// response body by a per-request state machine (stream.go).
package extproc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/pricing"
)

// Server implements envoy.service.ext_proc.v3.ExternalProcessor.
type Server struct {
	extprocv3.UnimplementedExternalProcessorServer

	runtime atomic.Pointer[snapshot]
	metrics *metrics.Metrics
	prices  *pricing.Store
	warn    *pricing.WarnOnce
	log     *slog.Logger
	now     func() time.Time
	models  modelLabels
	// admission bounds the request-body bytes in flight (admission.go).
	admission admission
	// bodyCeiling caps limits.max_request_body (Options.BodyCeiling).
	bodyCeiling int64
	// budgets is the process's rate-limit service (nil: none configured).
	budgets atomic.Pointer[budget.Service]

	// open counts streams in flight (for graceful shutdown and tests).
	open sync.WaitGroup
	live atomic.Int64
}

// Options configure a Server.
type Options struct {
	Metrics *metrics.Metrics
	// Prices prices usage; nil leaves every request unpriced.
	Prices *pricing.Store
	// Unpriced logs the first unpriced request of each model; nil logs none.
	Unpriced *pricing.WarnOnce
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MemoryLimit is the process's memory limit (memlimit.Configure); the default bound
	// on request-body bytes in flight is an eighth of it. 0: none known.
	MemoryLimit int64
	// BodyCeiling is the largest request body the gRPC server was started to receive
	// (limits.max_request_body at start; its message limit is fixed then). A reloaded
	// limits.max_request_body above it is held to it, so a body between the two is a
	// 413 in the client's shape rather than a gRPC error. 0: none.
	BodyCeiling int64
	// Budgets checks and charges the budgets of each request's config (its Runtime's
	// Budgets); nil when no rate-limit service is configured: no budget is enforced.
	Budgets *budget.Service
}

// New creates a Server serving rt until SetRuntime swaps it.
func New(rt *assembly.Runtime, opts Options) *Server {
	s := &Server{metrics: opts.Metrics, prices: opts.Prices, warn: opts.Unpriced, log: opts.Logger, now: opts.Now,
		bodyCeiling: opts.BodyCeiling}
	s.budgets.Store(opts.Budgets)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.admission.defaultLimit = DefaultInflightBodyBytes(opts.MemoryLimit)
	if s.metrics != nil {
		s.admission.rejected = func(reason string) { s.metrics.AdmissionRejections.WithLabelValues(reason).Inc() }
	}
	s.SetRuntime(rt)
	return s
}

// SetRuntime atomically swaps the config; streams in flight keep the one they started
// with. The bodies tollgate answers itself are rendered here, once per Runtime.
func (s *Server) SetRuntime(rt *assembly.Runtime) { s.runtime.Store(newSnapshot(rt, s.now())) }

// SetBudgets sets the rate-limit service that checks and charges budgets, for a
// gateway that dials it after the first config (a reload that adds a ratelimit
// section); a request is charged on the service it was checked on.
func (s *Server) SetBudgets(svc *budget.Service) { s.budgets.Store(svc) }

// Runtime returns the current config.
func (s *Server) Runtime() *assembly.Runtime { return s.runtime.Load().rt }

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) { extprocv3.RegisterExternalProcessorServer(g, s) }

// Open reports how many streams are in flight.
func (s *Server) Open() int64 { return s.live.Load() }

// Wait blocks until every stream in flight has ended, or ctx is done.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.open.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Process runs one HTTP request's ext_proc stream.
func (s *Server) Process(srv extprocv3.ExternalProcessor_ProcessServer) error {
	s.open.Add(1)
	s.live.Add(1)
	defer func() { s.live.Add(-1); s.open.Done() }()

	st := newStream(s, s.runtime.Load())
	st.ctx = srv.Context() // a budget check ends when Envoy drops the stream
	defer st.close()
	idle := config.Duration(st.rt.Limits().StreamIdleTimeout)
	var bound recvBound
	defer bound.stop()
	if idle > 0 {
		bound.cancel, _ = st.ctx.Value(recvCancelKey{}).(context.CancelFunc)
	}
	for {
		var req *extprocv3.ProcessingRequest
		var err error
		switch {
		case st.phase >= phaseForwarded || idle <= 0:
			req, err = srv.Recv()
		case bound.cancel != nil: // StreamTap gave this stream a receive context to cancel
			req, err = bound.recv(srv, idle)
		default:
			req, err = recvWithin(srv, idle)
		}
		if err != nil {
			if errors.Is(err, errIdle) {
				return status.Errorf(codes.DeadlineExceeded, "tollgate: no message for %v while the request was incomplete (limits.stream_idle_timeout)", idle)
			}
			if errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded {
				return nil
			}
			return err
		}
		resp, err := st.handleSafely(req)
		if err != nil {
			return err
		}
		// A filter in observability_mode ignores replies ("send and go",
		// ext_proc.proto): metering goes on, nothing is sent (BENCHMARKS.md).
		if !req.ObservabilityMode {
			if err := srv.Send(resp); err != nil {
				return err
			}
		}
		if st.phase >= phaseForwarded {
			st.release() // the body's reply is sent: this request holds no body any more
		}
	}
}

// The request phase is bounded in time (limits.stream_idle_timeout): a peer that sends
// request headers and then nothing must not hold a stream (and its memory) for as long
// as it likes. Only the request phase — a response may legitimately pause for minutes (a
// model thinking), and Envoy's own timeouts bound that.
//
// gRPC offers no deadline on a server stream's Recv, so the wait is ended by cancelling
// the context the stream receives on: StreamTap, installed as the gRPC server's tap
// (grpc.InTapHandle, gateway.go), gives every stream such a context and its cancel
// function, and recvBound arms one timer per stream to call it. A gRPC server without the
// tap (tests, other embedders) falls back to recvWithin: a goroutine per receive, which
// costs the goroutine, its stack growing while it decodes the message, and two switches
// between goroutines — twice per request (BENCHMARKS.md).

// recvCancelKey is the context key of a stream's receive cancel function.
type recvCancelKey struct{}

// StreamTap is a grpc.InTapHandle for the server tollgate is registered on: it gives the
// stream a receive context that Process can expire. It costs a context per stream.
func StreamTap(ctx context.Context, _ *tap.Info) (context.Context, error) {
	inner, cancel := context.WithCancel(ctx)
	c := &recvContext{Context: inner}
	expire := context.CancelFunc(func() {
		c.expired.Store(true) // before Done closes: Err reads it after
		cancel()
	})
	return context.WithValue(c, recvCancelKey{}, expire), nil
}

// recvContext is a stream's context (a cancelCtx, so contexts derived from it need no
// goroutine) whose Err, once tollgate expired it, is context.DeadlineExceeded: gRPC's
// RecvMsg answers the peer with the status of that error itself, so the idle stream ends
// with DEADLINE_EXCEEDED ("context deadline exceeded"), not CANCELLED.
type recvContext struct {
	context.Context
	expired atomic.Bool
}

func (c *recvContext) Err() error {
	err := c.Context.Err()
	if err != nil && c.expired.Load() {
		return context.DeadlineExceeded
	}
	return err
}

// recvBound bounds the receives of one stream's request phase by cancelling its
// receive context (StreamTap) when a timer fires. Not safe for concurrent use.
type recvBound struct {
	cancel context.CancelFunc
	timer  *time.Timer
}

// recv receives the next message, or gives up after d (errIdle). Once the timer fired
// the stream's receive context is cancelled, so the stream is over whatever Recv
// returned.
func (b *recvBound) recv(srv extprocv3.ExternalProcessor_ProcessServer, d time.Duration) (*extprocv3.ProcessingRequest, error) {
	if b.timer == nil {
		b.timer = time.AfterFunc(d, b.cancel)
	} else {
		b.timer.Reset(d)
	}
	req, err := srv.Recv()
	if !b.timer.Stop() {
		return nil, errIdle
	}
	return req, err
}

func (b *recvBound) stop() {
	if b.timer != nil {
		b.timer.Stop()
	}
}

// recvWithin receives the next message, or gives up after d, on a goroutine of its own
// (for a gRPC server without StreamTap). After a timeout the handler returns, which ends
// the stream, and the pending Recv returns with it.
func recvWithin(srv extprocv3.ExternalProcessor_ProcessServer, d time.Duration) (*extprocv3.ProcessingRequest, error) {
	type result struct {
		req *extprocv3.ProcessingRequest
		err error
	}
	ch := make(chan result, 1)
	go func() {
		req, err := srv.Recv()
		ch <- result{req, err}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.req, r.err
	case <-t.C:
		return nil, errIdle
	}
}

var errIdle = errors.New("stream idle")
