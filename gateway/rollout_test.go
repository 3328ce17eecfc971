package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// replica is one running gateway as Envoy's tollgate cluster sees it: a connection, and
// the health its active health check last saw.
type replica struct {
	g       *Gateway
	client  extprocv3.ExternalProcessorClient
	health  healthpb.HealthClient
	healthy atomic.Bool
	cancel  context.CancelFunc
	done    chan error
	served  atomic.Int64 // new requests sent to it after the first SIGTERM
}

func startReplica(t *testing.T, cfg string) *replica {
	t.Helper()
	g, _, _, cancel, done := start(t, cfg)
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := &replica{g: g, client: extprocv3.NewExternalProcessorClient(conn), health: healthpb.NewHealthClient(conn),
		cancel: cancel, done: done}
	r.healthy.Store(true)
	return r
}

// check is one active health check (Envoy's grpc_health_check on the tollgate cluster).
func (r *replica) check() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{})
	r.healthy.Store(err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING)
}

// wholeRequest is one whole HTTP request's ext_proc stream, as Envoy drives it.
func wholeRequest(c extprocv3.ExternalProcessorClient) error {
	s, err := midResponse(c)
	if err != nil {
		return err
	}
	return finishStream(s)
}

// TestRollingRestartLosesNothing: two replicas serve Envoy's tollgate cluster. One gets
// SIGTERM while 100 streams are mid-response on it, and new requests keep coming. The
// terminating replica fails /readyz and its gRPC health at once but keeps serving for
// server.drain_delay, so the requests that reach it before Envoy's health check notices
// are served whole; then new requests go to the other replica; the 100 streams finish
// within server.shutdown_grace. Every stream finishes and is counted; every new request
// succeeds; nothing is interrupted.
func TestRollingRestartLosesNothing(t *testing.T) {
	cfg := strings.Replace(baseConfig, "  shutdown_grace: 3s\n  drain_delay: 0s\n", "  shutdown_grace: 10s\n  drain_delay: 2s\n", 1)
	if cfg == baseConfig {
		t.Fatal("baseConfig changed; update the test")
	}
	a, b := startReplica(t, cfg), startReplica(t, cfg)
	replicas := []*replica{a, b}

	// Envoy's active health check runs every 200 ms, much less than drain_delay. It is
	// driven by the request loop below (a check every 20 requests, 10 ms apart) rather
	// than by a timer of its own, so that SIGTERM lands between two checks as it does in
	// production: the requests of the first interval after it still reach the draining
	// replica, however fast or loaded the machine.
	healthCheck := func() {
		for _, r := range replicas {
			r.check()
		}
	}
	// pick is Envoy's load balancing over healthy hosts; it prefers a, so that a takes
	// every new request until its health check fails.
	pick := func() *replica {
		for _, r := range replicas {
			if r.healthy.Load() {
				return r
			}
		}
		return nil
	}

	const inFlight = 100
	streams := make([]*filter.Stream, inFlight)
	for i := range streams {
		s, err := midResponse(a.client)
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		streams[i] = s
	}

	a.cancel() // SIGTERM
	waitFor(t, func() bool { return !a.g.ready.Load() })
	if code, _ := get(t, "http://"+a.g.AdminAddr()+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz right after SIGTERM = %d, want 503", code)
	}

	var wg sync.WaitGroup
	var failed atomic.Int64
	errs := make(chan error, 1000)
	// The streams in flight end over the first 2 s, within shutdown_grace.
	for i, s := range streams {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			if err := finishStream(s); err != nil {
				failed.Add(1)
				errs <- err
			}
		})
	}
	// New requests, one every 10 ms for 2.5 s: through a's drain delay and beyond.
	// The first 20 reach a: its health check has not run since SIGTERM.
	for i := 0; i < 250; i++ {
		if i > 0 && i%20 == 0 {
			healthCheck()
		}
		r := pick()
		if r == nil {
			t.Fatal("no healthy replica")
		}
		r.served.Add(1)
		wg.Go(func() {
			if err := wholeRequest(r.client); err != nil {
				failed.Add(1)
				errs <- err
			}
		})
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("lost: %v", err)
	}
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
		a.done <- nil
	case <-time.After(15 * time.Second):
		t.Fatal("the terminated replica did not stop")
	}

	if a.served.Load() == 0 || b.served.Load() == 0 {
		t.Fatalf("new requests: %d to the terminating replica, %d to the other; want some to each", a.served.Load(), b.served.Load())
	}
	count := func(r *replica) float64 {
		return testutil.ToFloat64(r.g.metrics.Requests.WithLabelValues("", "claude-x", "anthropic", "200"))
	}
	if got, want := count(a), float64(inFlight+int(a.served.Load())); got != want {
		t.Errorf("terminated replica recorded %v requests, want %v", got, want)
	}
	if got, want := count(b), float64(b.served.Load()); got != want {
		t.Errorf("other replica recorded %v requests, want %v", got, want)
	}
	if got := testutil.ToFloat64(a.g.metrics.StreamsInterrupted.WithLabelValues("claude-x", "anthropic")); got != 0 {
		t.Errorf("%v streams interrupted", got)
	}
	if got, want := testutil.ToFloat64(a.g.metrics.Tokens.WithLabelValues("", "claude-x", "anthropic", "output")), 40*(float64(inFlight)+float64(a.served.Load())); got != want {
		t.Errorf("output tokens on the terminated replica = %v, want %v", got, want)
	}
	t.Logf("new requests: %d served by the draining replica, %d by the other; %d in-flight streams finished", a.served.Load(), b.served.Load(), inFlight)
}
