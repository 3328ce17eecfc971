package gateway

import (
	"bytes"
	"context"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const baseConfig = `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
providers:
  - name: anthropic
    type: anthropic
    api_key: sk-ant-secret-provider-key
models:
  - match: "claude-*"
    provider: anthropic
server:
  shutdown_grace: 3s
  drain_delay: 0s
`

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func start(t *testing.T, cfg string) (*Gateway, string, *logBuffer, context.CancelFunc, chan error) {
	t.Helper()
	cfg = noDrain(cfg)
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log, lv := NewLogger(logs, "debug")
	g, err := New(Options{ConfigPath: path, Logger: log, LogLevel: lv, WatchInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, func() bool { return g.ready.Load() })
	return g, path, logs, cancel, done
}

// noDrain sets server.drain_delay to 0s unless cfg sets it: a test that stops its
// gateway has no load balancer to drain toward.
func noDrain(cfg string) string {
	switch {
	case strings.Contains(cfg, "drain_delay:"):
		return cfg
	case strings.Contains(cfg, "\nserver:\n"):
		return strings.Replace(cfg, "\nserver:\n", "\nserver:\n  drain_delay: 0s\n", 1)
	default:
		return cfg + "\nserver:\n  drain_delay: 0s\n"
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthAdminAndShutdown(t *testing.T) {
	g, _, _, cancel, done := start(t, baseConfig)
	admin := "http://" + g.AdminAddr()
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, admin+p); code != 200 {
			t.Errorf("%s = %d", p, code)
		}
	}
	if code, body := get(t, admin+"/metrics"); code != 200 || !strings.Contains(body, "tollgate_config_last_reload_successful 1") {
		t.Errorf("/metrics = %d without the reload gauge", code)
	}

	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || hc.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v", hc, err)
	}

	// An open stream at shutdown may finish within the grace period.
	stream := filter.NewStream(nil, extprocv3.NewExternalProcessorClient(conn))
	stream.Begin(context.Background())
	send := func(r *extprocv3.ProcessingRequest) {
		t.Helper()
		if _, fail := stream.Call(r); fail != nil {
			t.Fatal(fail)
		}
	}
	hdr := func(kv ...string) *corev3.HeaderMap {
		m := &corev3.HeaderMap{}
		for i := 0; i < len(kv); i += 2 {
			m.Headers = append(m.Headers, &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
		}
		return m
	}
	send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{
		Headers: hdr(":method", "POST", ":path", "/v1/messages", "x-api-key", "client-key")}}})

	cancel() // SIGTERM
	waitFor(t, func() bool { return !g.ready.Load() })
	if code, _ := get(t, admin+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz during shutdown = %d, want 503", code)
	}
	send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{
		Body: []byte(`{"model":"claude-x","max_tokens":1}`), EndOfStream: true}}})
	send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{
		Headers: hdr(":status", "200", "content-type", "text/plain"), EndOfStream: true}}})
	if err := stream.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if got := testutil.ToFloat64(g.metrics.Requests.WithLabelValues("", "claude-x", "anthropic", "200")); got != 1 {
		t.Errorf("request finished during shutdown recorded %v times", got)
	}
}

func TestShutdownCutsStreamsAfterGrace(t *testing.T) {
	g, _, _, cancel, done := start(t, strings.Replace(baseConfig, "shutdown_grace: 3s", "shutdown_grace: 200ms", 1))
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream := filter.NewStream(nil, extprocv3.NewExternalProcessorClient(conn))
	stream.Begin(context.Background())
	for _, r := range []*extprocv3.ProcessingRequest{
		filter.RequestHeaders(filter.Of(":method", "POST", ":path", "/v1/messages").Proto(), false),
		filter.RequestBody([]byte(`{"model":"claude-x"}`), true),
	} {
		if _, fail := stream.Call(r); fail != nil {
			t.Fatal(fail)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not end after the grace period")
	}
	if got := testutil.ToFloat64(g.metrics.StreamsInterrupted.WithLabelValues("claude-x", "anthropic")); got != 1 {
		t.Errorf("interrupted = %v, want 1", got)
	}
}

func TestReload(t *testing.T) {
	g, path, logs, _, _ := start(t, baseConfig)
	admin := "http://" + g.AdminAddr()
	before := g.Server().Runtime()

	// POST /-/reload with a new model rule.
	newCfg := strings.Replace(baseConfig, `  - match: "claude-*"`, "  - match: claude-new-1\n    provider: anthropic\n  - match: \"claude-*\"", 1)
	if err := os.WriteFile(path, []byte(newCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(admin+"/-/reload", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reload: %v %v", resp, err)
	}
	resp.Body.Close()
	after := g.Server().Runtime()
	if after == before || len(after.Router().ExactModels()) != 1 {
		t.Fatalf("runtime not swapped: %v", after.Router().ExactModels())
	}

	// An invalid file keeps the running config and says why.
	if err := os.WriteFile(path, []byte(baseConfig+"bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, _ = http.Post(admin+"/-/reload", "", nil)
	if resp.StatusCode != 500 {
		t.Errorf("bad reload status %d", resp.StatusCode)
	}
	resp.Body.Close()
	if g.Server().Runtime() != after {
		t.Error("invalid config replaced the running one")
	}
	if testutil.ToFloat64(g.metrics.ReloadSuccess) != 0 {
		t.Error("reload gauge not 0 after a failed reload")
	}
	if !strings.Contains(logs.String(), `unknown field \"bogus\"`) {
		t.Errorf("log does not say why: %s", logs.String())
	}

	// A file change is picked up by the watcher.
	if err := os.WriteFile(path, []byte(baseConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(g.Server().Runtime().Router().ExactModels()) == 0 })
	if testutil.ToFloat64(g.metrics.ReloadSuccess) != 1 {
		t.Error("reload gauge not 1 after the watcher's reload")
	}
	if strings.Contains(logs.String(), "sk-ant-secret-provider-key") {
		t.Error("a provider key reached the log")
	}
}

func TestReloadEndpointCanBeDisabled(t *testing.T) {
	g, _, _, _, _ := start(t, baseConfig+"  reload_endpoint: false\n")
	resp, err := http.Post("http://"+g.AdminAddr()+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
}

func TestSIGHUPReloads(t *testing.T) {
	g, path, _, _, _ := start(t, strings.Replace(baseConfig, "server:\n", "server:\n  watch_config: false\n", 1))
	newCfg := strings.Replace(baseConfig, "server:\n", "server:\n  watch_config: false\n", 1)
	newCfg = strings.Replace(newCfg, `  - match: "claude-*"`, "  - match: claude-hup-1\n    provider: anthropic\n  - match: \"claude-*\"", 1)
	if err := os.WriteFile(path, []byte(newCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(g.Server().Runtime().Router().ExactModels()) == 1 })
}

// TestReloadGaugeRecoversWhenTheFileIsReverted: a bad edit sets
// tollgate_config_last_reload_successful to 0; reverting the file to the running config
// sets it back to 1 without a reload (nothing changed).
func TestReloadGaugeRecoversWhenTheFileIsReverted(t *testing.T) {
	g, path, _, _, _ := start(t, baseConfig)
	running := g.Server().Runtime()
	if err := os.WriteFile(path, []byte(baseConfig+"bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return testutil.ToFloat64(g.metrics.ReloadSuccess) == 0 })
	if err := os.WriteFile(path, []byte(baseConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return testutil.ToFloat64(g.metrics.ReloadSuccess) == 1 })
	if g.Server().Runtime() != running {
		t.Error("reverting the file rebuilt the runtime")
	}
}
