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

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
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
	// Budgets checks and charges the budgets of each request's config (its Runtime's
	// Budgets); nil when no rate-limit service is configured: no budget is enforced.
	Budgets *budget.Service
}

// New creates a Server serving rt until SetRuntime swaps it.
func New(rt *assembly.Runtime, opts Options) *Server {
	s := &Server{metrics: opts.Metrics, prices: opts.Prices, warn: opts.Unpriced, log: opts.Logger, now: opts.Now}
	s.budgets.Store(opts.Budgets)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
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
	for {
		req, err := srv.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded {
				return nil
			}
			return err
		}
		resp, err := st.handleSafely(req)
		if err != nil {
			return err
		}
		if err := srv.Send(resp); err != nil {
			return err
		}
	}
}
