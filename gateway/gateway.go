// Package gateway assembles a running tollgate: the ext_proc gRPC server with the
// standard health service, the admin HTTP server, config reload (SIGHUP, file change,
// POST /-/reload) and graceful shutdown. `tollgate serve` and the tests use it.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	"github.com/tollgate/tollgate/admin"
	"github.com/tollgate/tollgate/extproc"
	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/pricing"
)

// Options configure a Gateway.
type Options struct {
	ConfigPath string
	Logger     *slog.Logger
	LogLevel   *slog.LevelVar
	// Registry receives every metric; nil makes a new one.
	Registry *prometheus.Registry
	// Listen and Admin override the config's addresses (tests use 127.0.0.1:0).
	Listen, Admin string
	// WatchInterval is how often the config file is checked for changes (0: 2s).
	WatchInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MemoryLimit is the process's memory limit (memlimit.Configure; 0: none known):
	// the default bound on request-body bytes in flight derives from it.
	MemoryLimit int64
}

// Gateway is one running tollgate.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *metrics.Metrics
	server   *extproc.Server
	grpc     *grpc.Server
	health   *health.Server
	admin    *http.Server
	lis      net.Listener
	adminLis net.Listener
	ready    atomic.Bool
	reloadMu sync.Mutex
	loaded   *config.Loaded
	fileSum  [32]byte
	// started is the config tollgate started with: the one its restart-only settings
	// (config.RestartOnly) come from.
	started *config.Loaded
	// assembler builds each load's providers and credential sources, reusing those whose
	// settings did not change.
	assembler *assembly.Assembler

	prices    *pricing.Store
	refresher *pricing.Refresher

	// budgets is the rate-limit service, dialled with ratelimit's settings (budgets.go).
	budgets   *budget.Service
	ratelimit config.Ratelimit
}

// New loads the config and binds both listeners; Serve starts serving.
func New(opts Options) (*Gateway, error) {
	g := &Gateway{opts: opts, log: opts.Logger, reg: opts.Registry}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.reg == nil {
		g.reg = prometheus.NewRegistry()
		g.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	g.metrics = metrics.New(g.reg)
	g.assembler = assembly.NewAssembler(provider.Deps{
		Logger: g.log,
		OnCredentialError: func(p string) {
			g.metrics.CredentialErrors.WithLabelValues(p).Inc()
		},
		OnBetaDropped: func(p, beta string) {
			g.metrics.BetasDropped.WithLabelValues(p, beta).Inc()
		},
	})
	loaded, rt, sum, err := g.build(nil)
	if err != nil {
		g.metrics.ReloadSuccess.Set(0)
		return nil, err
	}
	if err := g.setupPricing(loaded); err != nil {
		return nil, err
	}
	g.commit(loaded, sum)
	g.started = loaded
	g.server = extproc.New(rt, extproc.Options{Metrics: g.metrics, Logger: g.log, Now: opts.Now,
		Prices: g.prices, Unpriced: pricing.NewWarnOnce(g.log), MemoryLimit: opts.MemoryLimit,
		BodyCeiling: loaded.Limits.MaxRequestBody})

	creds, err := serverCredentials(loaded.Server.TLS, g.log)
	if err != nil {
		return nil, err
	}
	gopts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(int(loaded.Limits.MaxRequestBody) + 1<<20),
		grpc.MaxSendMsgSize(int(loaded.Limits.MaxRequestBody) + 1<<20),
		// Envoy pings idle HTTP/2 connections; do not punish it for that, but close a
		// peer that pings more often than every 5 s.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		// Ping a silent connection after 2 minutes and drop it if the ping goes
		// unanswered for 20 s: a vanished peer does not hold its streams forever.
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 2 * time.Minute, Timeout: 20 * time.Second}),
		// Bound the streams (HTTP requests) one connection may hold open at once.
		grpc.MaxConcurrentStreams(loaded.Limits.MaxConcurrentStreams),
		// A receive context per stream that tollgate can cancel: how the request phase's
		// idle bound ends a wait without a goroutine per message (extproc/server.go).
		grpc.InTapHandle(extproc.StreamTap),
		// Large request bodies decoded with one copy instead of three (extproc/codec.go).
		grpc.ForceServerCodecV2(extproc.Codec{}),
	}
	if creds != nil {
		gopts = append(gopts, grpc.Creds(creds))
	}
	g.grpc = grpc.NewServer(gopts...)
	g.server.Register(g.grpc)
	g.health = health.NewServer()
	healthpb.RegisterHealthServer(g.grpc, g.health)

	listen, adminAddr := pick(opts.Listen, loaded.Listen), pick(opts.Admin, loaded.Admin)
	if g.lis, err = net.Listen("tcp", listen); err != nil {
		return nil, fmt.Errorf("listen %s: %w", listen, err)
	}
	if g.adminLis, err = net.Listen("tcp", adminAddr); err != nil {
		g.lis.Close()
		return nil, fmt.Errorf("admin listen %s: %w", adminAddr, err)
	}
	ao := admin.Options{Gatherer: g.reg, Ready: g.ready.Load}
	if *loaded.Server.ReloadEndpoint {
		ao.Reload = func(context.Context) error { return g.Reload() }
	}
	g.admin = &http.Server{Handler: admin.Handler(ao), ReadHeaderTimeout: 10 * time.Second}
	if err := g.dialBudgets(loaded); err != nil {
		g.lis.Close()
		g.adminLis.Close()
		return nil, err
	}
	return g, nil
}

func pick(override, configured string) string {
	if override != "" {
		return override
	}
	return configured
}

// Addr is the ext_proc gRPC address; AdminAddr the admin HTTP address.
func (g *Gateway) Addr() string      { return g.lis.Addr().String() }
func (g *Gateway) AdminAddr() string { return g.adminLis.Addr().String() }

// Server is the ext_proc service.
func (g *Gateway) Server() *extproc.Server { return g.server }

// Metrics are the request and usage metrics.
func (g *Gateway) Metrics() *metrics.Metrics { return g.metrics }

// Registry is the metrics registry.
func (g *Gateway) Registry() *prometheus.Registry { return g.reg }

// Serve serves until ctx is done, then shuts down gracefully: /readyz fails and health
// turns NOT_SERVING at once, new streams are still accepted for server.drain_delay (so
// that Envoy and Kubernetes stop sending them first), then no new streams are accepted
// and open streams get server.shutdown_grace to finish (the rest are cut and counted as
// interrupted). It returns nil after a clean shutdown.
func (g *Gateway) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- g.grpc.Serve(g.lis) }()
	go func() {
		if err := g.admin.Serve(g.adminLis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // before ready: a SIGHUP from then on reloads
	defer signal.Stop(hup)
	go g.watch(watchCtx)
	go g.runPricing(watchCtx)
	go g.onSIGHUP(watchCtx, hup)

	g.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	g.ready.Store(true)
	g.log.Info("tollgate serving", "listen", g.Addr(), "admin", g.AdminAddr(), "config", g.opts.ConfigPath)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	g.shutdown()
	return serveErr
}

func (g *Gateway) shutdown() {
	g.ready.Store(false)
	g.health.Shutdown()
	cfg := g.currentLoaded()
	if drain := config.Duration(cfg.Server.DrainDelay); drain > 0 {
		// Whoever routes to tollgate learns it is going (readiness, health checks, DNS)
		// only after a while; until then new streams keep coming, and each must be served.
		g.log.Info("draining: not ready, still serving new streams", "drain_delay", drain, "open_streams", g.server.Open())
		time.Sleep(drain)
	}
	grace := config.Duration(cfg.Server.ShutdownGrace)
	g.log.Info("shutting down", "open_streams", g.server.Open(), "grace", grace)
	done := make(chan struct{})
	go func() { g.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		g.log.Warn("grace period over; cutting open streams", "open_streams", g.server.Open())
		g.grpc.Stop()
		<-done
	}
	// Cut streams record themselves as they unwind.
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = g.server.Wait(wctx)
	cancel()
	// Their charges are queued now: send them.
	bctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	g.closeBudgets(bctx)
	cancel()
	actx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = g.admin.Shutdown(actx)
	cancel()
	g.log.Info("stopped")
}
