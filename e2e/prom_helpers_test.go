//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/tollgate/tollgate/internal/testnote"
)

// requirePrometheusEnv makes a missing prometheus/promtool a failure instead of a skip
// (.ci/run sets it after installing Debian's prometheus package).
const requirePrometheusEnv = "TOLLGATE_REQUIRE_PROMETHEUS"

// promTools are the paths of the prometheus and promtool binaries.
type promTools struct {
	prometheus, promtool string
}

// lookPromTools finds prometheus and promtool on PATH: missing, the test skips, or fails
// when TOLLGATE_REQUIRE_PROMETHEUS=1.
func lookPromTools(t *testing.T) promTools {
	t.Helper()
	var tools promTools
	var missing []string
	for _, b := range []struct {
		name string
		dst  *string
	}{{"prometheus", &tools.prometheus}, {"promtool", &tools.promtool}} {
		p, err := exec.LookPath(b.name)
		if err != nil {
			missing = append(missing, b.name)
			continue
		}
		*b.dst = p
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%v not on PATH: install Debian's prometheus package (apt-get install prometheus) to run the real-Prometheus test", missing)
		if os.Getenv(requirePrometheusEnv) == "1" {
			t.Fatalf("%s (%s=1 requires it)", msg, requirePrometheusEnv)
		}
		testnote.Skip(t, msg)
	}
	checkPromVersion(t, tools.prometheus)
	return tools
}

var promVersionRE = regexp.MustCompile(`(?m)^prometheus, version (\d+)\.(\d+)\.(\d+)`)

// checkPromVersion runs `prometheus --version`: the flags startPrometheus passes exist
// in 2.x and 3.x alike (it sets no console flag, whose defaults differ between
// packagings and majors, and needs none: the consoles are never served); other major
// versions are refused rather than guessed at.
func checkPromVersion(t *testing.T, bin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("prometheus --version: %v\n%s", err, out)
	}
	m := promVersionRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("prometheus --version: no version in %q", out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major != 2 && major != 3 {
		t.Fatalf("prometheus %s.%s.%s: the test knows the flags of 2.x and 3.x only", m[1], m[2], m[3])
	}
	t.Logf("prometheus %s.%s.%s", m[1], m[2], m[3])
}

// promServer is a running Prometheus scraping one target.
type promServer struct {
	URL string
	log *syncBuffer
}

// startPrometheus runs prometheus on a free 127.0.0.1 port with
// testdata/prometheus/prometheus.yml.tmpl scraping target (host:port) every second,
// and waits until it is ready. It is stopped (SIGTERM to its process group, then
// SIGKILL) when the test ends; its log is printed if the test failed.
func startPrometheus(t *testing.T, tools promTools, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	writePromConfig(t, cfg, target)
	addr := freeAddr(t)
	args := []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}
	ps := &promServer{URL: "http://" + addr, log: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, tools.prometheus, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = ps.log, ps.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second // then SIGKILL
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Error("prometheus did not stop")
		}
		if t.Failed() {
			t.Logf("prometheus log:\n%s", ps.log.String())
		}
	})
	ps.waitReady(t, exited, 30*time.Second)
	return ps
}

func writePromConfig(t *testing.T, path, target string) {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join(repoRoot(), "e2e", "testdata", "prometheus", "prometheus.yml.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, struct{ Target string }{target}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freeAddr is a 127.0.0.1 address nothing listens on (the port the kernel handed out
// and took back).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitReady polls /-/ready until it answers 200, prometheus exits, or timeout passes.
func (ps *promServer) waitReady(t *testing.T, exited <-chan error, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited before it was ready: %v\n%s", err, ps.log.String())
		default:
		}
		resp, err := http.Get(ps.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prometheus not ready after %s\n%s", timeout, ps.log.String())
}

// promSample is one element of an instant vector.
type promSample struct {
	Labels map[string]string
	Value  float64
}

// query runs an instant query and returns its vector.
func (ps *promServer) query(ctx context.Context, expr string) ([]promSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ps.URL+"/api/v1/query?query="+url.QueryEscape(expr), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %s: HTTP %d: %w: %s", expr, resp.StatusCode, err, body)
	}
	if r.Status != "success" || r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: status %q, result type %q: %s", expr, r.Status, r.Data.ResultType, r.Error)
	}
	out := make([]promSample, 0, len(r.Data.Result))
	for _, s := range r.Data.Result {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", expr, s.Value[1], err)
		}
		out = append(out, promSample{Labels: s.Metric, Value: v})
	}
	return out, nil
}

// waitFor polls expr until ok accepts its vector or timeout passes, and returns the
// last vector (and the last error) it saw.
func (ps *promServer) waitFor(t *testing.T, expr string, timeout time.Duration, ok func([]promSample) bool) ([]promSample, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last []promSample
	var lastErr error
	for {
		v, err := ps.query(ctx, expr)
		if err == nil {
			last = v
			if ok(v) {
				return v, true
			}
		} else if ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				t.Logf("last error of %s: %v", expr, lastErr)
			}
			return last, false
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// promtoolCheckMetrics runs `promtool check metrics` with exposition on stdin and
// returns its combined output and error.
func promtoolCheckMetrics(t *testing.T, tools promTools, exposition []byte) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
