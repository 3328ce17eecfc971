package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/envoysim"
)

// replica is one tollgate gateway behind its own Envoy stand-in. The budget tests run
// two, sharing one rate-limit service, as two tollgate pods behind one Service do (each
// Envoy of a fleet reaches any of them). This file is the budget tests' only use of the
// harness.
type replica struct {
	GW   *gateway.Gateway
	URL  string // the stand-in's listener
	Logs *syncBuffer
}

// budgetConfig is e2e/testdata/tollgate.yaml with a ratelimit section on addr and the
// budgets given (YAML list items).
func budgetConfig(t *testing.T, addr, failureMode, budgets string) string {
	t.Helper()
	base, err := os.ReadFile(filepath.Join(repoRoot(), "e2e", "testdata", "tollgate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(base) + "ratelimit:\n  address: " + addr + "\n  failure_mode: " + failureMode +
		"\n  timeout: 1s\nbudgets:\n" + budgets
}

// startReplica starts a gateway on cfg and a stand-in in front of it sending each Envoy
// cluster named in upstreams to its URL; both stop when the test ends.
func startReplica(t *testing.T, name, cfg string, upstreams map[string]string) *replica {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &replica{Logs: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(r.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", name)
	gw, err := gateway.New(gateway.Options{ConfigPath: path, Logger: log, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("replica %s did not stop", name)
		}
		if t.Failed() {
			lines := strings.Split(strings.TrimSpace(r.Logs.String()), "\n")
			t.Logf("replica %s log (tail):\n%s", name, strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	})
	b, err := envoy.LoadBootstrap(filepath.Join(repoRoot(), "envoy", "envoy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := envoysim.New(envoysim.Options{Bootstrap: b, ExtProcAddr: gw.Addr(), Upstreams: upstreams, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	r.GW, r.URL = gw, h.URL()
	return r
}
