package deploytest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeEnvoyAdmin answers the admin calls of the drain script: 200 to the two POSTs (405 to
// anything else, as Envoy answers a GET to a mutating endpoint), and stats whose
// http.llm.downstream_rq_active comes from active.
type fakeEnvoyAdmin struct {
	mu     sync.Mutex
	calls  []string
	active func(poll int) int
	polls  int
}

func (f *fakeEnvoyAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/healthcheck/fail" || r.URL.RequestURI() == "/drain_listeners?graceful&skip_exit"):
		fmt.Fprintln(w, "OK")
	case r.Method == http.MethodGet && r.URL.Path == "/stats":
		f.polls++
		fmt.Fprintf(w, "http.admin.downstream_rq_active: 1\nhttp.llm.downstream_rq_active: %d\n", f.active(f.polls))
	default:
		http.Error(w, "Method not allowed, POST required.", http.StatusMethodNotAllowed)
	}
}

// TestEnvoyDrainScript runs the chart's preStop script (files/envoy-drain.sh) with bash
// against a fake Envoy admin API: it fails the health check, starts a graceful drain that
// keeps Envoy running (skip_exit), then returns once no request is in flight — but not
// before MIN_SECONDS — or at MAX_SECONDS at the latest.
func TestEnvoyDrainScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on this machine")
	}
	script := repoPath("charts/tollgate/files/envoy-drain.sh")
	for _, tc := range []struct {
		name       string
		active     func(poll int) int
		min, max   int
		atLeast    time.Duration
		atMost     time.Duration
		wantPolled bool
	}{
		{"requests finish", func(p int) int { return max(0, 3-p) }, 1, 20, 3 * time.Second, 8 * time.Second, true},
		{"idle: waits the minimum", func(int) int { return 0 }, 2, 20, 2 * time.Second, 5 * time.Second, true},
		{"never idle: stops at the maximum", func(int) int { return 7 }, 1, 3, 3 * time.Second, 7 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeEnvoyAdmin{active: tc.active}
			srv := httptest.NewServer(f)
			defer srv.Close()
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			out, err := exec.CommandContext(ctx, bash, script, port, "llm", strconv.Itoa(tc.min), strconv.Itoa(tc.max)).CombinedOutput()
			took := time.Since(start)
			if err != nil {
				t.Fatalf("script: %v\n%s", err, out)
			}
			if took < tc.atLeast || took > tc.atMost {
				t.Errorf("took %v, want %v to %v\n%s", took, tc.atLeast, tc.atMost, out)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.calls) < 2 || f.calls[0] != "POST /healthcheck/fail" || f.calls[1] != "POST /drain_listeners?graceful&skip_exit" {
				t.Errorf("admin calls %q, want the health check failed, then the graceful drain", f.calls)
			}
			if tc.wantPolled && f.polls == 0 {
				t.Error("the script never read downstream_rq_active")
			}
			t.Logf("%v, %d polls: %s", took.Round(100*time.Millisecond), f.polls, out)
		})
	}
}
