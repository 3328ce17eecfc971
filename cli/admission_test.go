package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

var (
	admissionInflight = flag.Int64("admission.inflight", 256<<20, "TestAdmissionUnderLoad: limits.max_inflight_body_bytes (a huge value shows the process without the bound)")
	admissionMemLimit = flag.Int64("admission.memlimit", 2<<30, "TestAdmissionUnderLoad: GOMEMLIMIT of the tollgate process, and the bound on its peak RSS")
)

// TestAdmissionUnderLoad is the load test of admission control (issue [15] item 1,
// BENCHMARKS.md "Admission control"): 200 concurrent requests with 8 MB bodies against a
// `tollgate serve` process (the binary, built here) with limits.max_inflight_body_bytes
// 256 MiB and GOMEMLIMIT 2 GiB (the default bound is an eighth of the memory limit: the
// same ratio), each driven as Envoy drives it. Every request either succeeds (its body
// rewritten and forwarded, its response metered) or gets a 503 with retry-after at the
// headers phase, before its body is sent, and sooner than a forwarded request takes; the
// process's peak RSS (VmHWM) stays under the memory limit.
func TestAdmissionUnderLoad(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("load test: runs without -short and -race")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the process's peak RSS")
	}
	const clients, bodySize = 200, 8 << 20
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tollgate")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/tollgate").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const key = "admission-load-key"
	sum := sha256.Sum256([]byte(key))
	cfg := fmt.Sprintf(`listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
providers: [{name: anthropic, type: anthropic, api_key: sk-ant-load}]
models: [{match: "claude-*", provider: anthropic, upstream_model: claude-load-upstream-model}]
keys: [{name: load, team: load, key_sha256: %q}]
limits: {max_request_body: %d, max_inflight_body_bytes: %d}
server: {drain_delay: 0s, shutdown_grace: 10s, watch_config: false}
`, hex.EncodeToString(sum[:]), 16<<20, *admissionInflight)
	cfgPath := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, bin, "serve", "-config", cfgPath)
	cmd.Env = append(os.Environ(), "GOMEMLIMIT="+strconv.FormatInt(*admissionMemLimit, 10))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := servingAddr(t, stderr)

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := extprocv3.NewExternalProcessorClient(conn)

	body := loadBody(bodySize)
	results := make([]loadResult, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			results[i] = loadRequest(ctx, client, body, key, i)
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(began)
	hwm := vmHWM(t, cmd.Process.Pid)

	var ok, rejected int
	var rejectLat, okLat []time.Duration
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("request %d failed: %v", i, r.err)
		case r.status == 200:
			ok++
			okLat = append(okLat, r.latency)
		case r.status == 503:
			rejected++
			rejectLat = append(rejectLat, r.latency)
			if r.bodySent || r.retryLate {
				t.Errorf("request %d: a 503 after its body was sent (%v) or without retry-after (%v)", i, r.bodySent, r.retryLate)
			}
		default:
			t.Errorf("request %d: status %d", i, r.status)
		}
	}
	slices.Sort(rejectLat)
	slices.Sort(okLat)
	t.Logf("%d × %d MB: %d forwarded (p50 %v, max %v), %d fast 503s (p50 %v, p99 %v, max %v); wall %v; peak RSS (VmHWM) %d MiB; limit %d MiB, in-flight bound %d MiB",
		clients, bodySize>>20, ok, pct(okLat, 50), pct(okLat, 100), rejected, pct(rejectLat, 50), pct(rejectLat, 99), pct(rejectLat, 100),
		wall.Round(time.Millisecond), hwm>>20, *admissionMemLimit>>20, *admissionInflight>>20)
	if ok == 0 {
		t.Error("no request was forwarded")
	}
	if hwm >= *admissionMemLimit {
		t.Errorf("peak RSS %d MiB is over the memory limit %d MiB", hwm>>20, *admissionMemLimit>>20)
	}
	if p := pct(rejectLat, 99); rejected > 0 && p >= pct(okLat, 50) {
		t.Errorf("503s are not fast: p99 %v, forwarded requests p50 %v", p, pct(okLat, 50))
	}
}

// loadRequest is one request as Envoy drives it: headers announcing the body; on a 503
// the request ends there; else the 8 MB body, a 200 event-stream response with usage,
// and the end of the stream.
// loadResult is how one request ended.
type loadResult struct {
	status    int           // 200, or the immediate response's
	latency   time.Duration // to the immediate response, or to the end of the request
	bodySent  bool          // the body went to tollgate
	retryLate bool          // a 503 without retry-after
	err       error
}

func loadRequest(ctx context.Context, client extprocv3.ExternalProcessorClient, body []byte, key string, i int) (r loadResult) {
	t0 := time.Now()
	s := filter.NewStream(nil, client)
	s.Begin(ctx)
	defer s.Close(10 * time.Second)
	call := func(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, bool) {
		resp, fail := s.Call(req)
		if fail != nil {
			r.err = fail
			return nil, false
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			r.status, r.latency = int(ir.GetStatus().GetCode()), time.Since(t0)
			r.retryLate = r.status == 503 && !slices.ContainsFunc(ir.GetHeaders().GetSetHeaders(), func(h *corev3.HeaderValueOption) bool {
				return h.GetHeader().GetKey() == "retry-after"
			})
			return nil, false
		}
		return resp, true
	}
	hdr := filter.Of(":method", "POST", ":path", "/v1/messages", ":authority", "gateway", "content-type", "application/json",
		"content-length", strconv.Itoa(len(body)), "x-api-key", key, "x-request-id", "load-"+strconv.Itoa(i)).Proto()
	if _, ok := call(filter.RequestHeaders(hdr, false)); !ok {
		return
	}
	r.bodySent = true
	if _, ok := call(filter.RequestBody(body, true)); !ok {
		return
	}
	if _, ok := call(filter.ResponseHeaders(filter.Of(":status", "200", "content-type", "text/event-stream").Proto(), false)); !ok {
		return
	}
	events := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":2000000,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":5}}\n\n"
	if _, ok := call(filter.ResponseBody([]byte(events), false)); !ok {
		return
	}
	if _, ok := call(filter.ResponseBody(nil, true)); !ok {
		return
	}
	r.status, r.latency = 200, time.Since(t0)
	return
}

// loadBody is an Anthropic Messages request of n bytes (one long user message).
func loadBody(n int) []byte {
	head := `{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"`
	tail := `"}]}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// servingAddr reads the serve process's log until its "tollgate serving" line and returns
// the gRPC address in it; the rest of the log is drained.
func servingAddr(t *testing.T, stderr io.Reader) string {
	t.Helper()
	lines := bufio.NewScanner(stderr)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		var l struct{ Msg, Listen string }
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "tollgate serving" {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return l.Listen
		}
	}
	t.Fatal("tollgate serve exited before serving")
	return ""
}

// vmHWM is a process's peak resident set size in bytes (/proc/PID/status VmHWM).
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[min(i, len(sorted)-1)].Round(time.Millisecond)
}
