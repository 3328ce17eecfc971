package extproc_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
)

// limitedFixture serves testdata/core.yaml with extra limits lines.
func limitedFixture(t *testing.T, limits string) *fixture {
	t.Helper()
	data, err := os.ReadFile("testdata/core.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "core.yaml")
	// core.yaml ends with its own limits: section (max_request_body: 4096); the lines
	// given replace it.
	base := string(data[:strings.Index(string(data), "limits:")])
	if err := os.WriteFile(path, []byte(base+"limits:\n"+limits), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := config.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	return serveFixture(t, rt, reg, metrics.New(reg), nil, &syncBuffer{})
}

// announce is a POST's headers announcing a body of n bytes.
func announce(path string, n int) *extprocv3.ProcessingRequest {
	return requestHeaders(false, ":method", "POST", ":path", path, "content-type", "application/json",
		"content-length", strconv.Itoa(n), "x-api-key", aliceKey)
}

// TestAdmissionBoundsInflightBodyBytes: with 3 MB of body bytes allowed in flight, two
// requests announcing 1 MB each are admitted while a third announcing 2 MB gets a fast
// 503 with retry-after at the headers phase, before its body is sent; once the first two
// are forwarded their bytes are released and the next request is admitted.
func TestAdmissionBoundsInflightBodyBytes(t *testing.T) {
	f := limitedFixture(t, "  max_request_body: 3145728\n  max_inflight_body_bytes: 3145728\n")
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":1,"x":"` + strings.Repeat("a", 1<<20-70) + `"}`)
	hdr := func(n int) *extprocv3.ProcessingRequest { return announce("/v1/messages", n) }
	a, b := f.open(t), f.open(t)
	if r := a.send(hdr(1 << 20)); r.GetImmediateResponse() != nil {
		t.Fatalf("first request refused: %v", r)
	}
	if r := b.send(hdr(1 << 20)); r.GetImmediateResponse() != nil {
		t.Fatalf("second request refused: %v", r)
	}
	c := f.open(t)
	ir := immediateOf(t, c.send(hdr(2<<20)))
	if ir.Status.Code != 503 {
		t.Fatalf("third request: status %d, want 503", ir.Status.Code)
	}
	checkErrorShape(t, ir.Body, "anthropic", "busy")
	retry := false
	for _, h := range ir.Headers.SetHeaders {
		retry = retry || (h.Header.Key == "retry-after" && string(h.Header.RawValue) != "")
	}
	if !retry {
		t.Error("503 without retry-after")
	}
	if got := testutil.ToFloat64(f.metrics.AdmissionRejections.WithLabelValues("inflight_body_bytes")); got != 1 {
		t.Errorf("admission rejections = %v, want 1", got)
	}
	// The first two go upstream; their reservations are released.
	for _, ex := range []*exchange{a, b} {
		if r := ex.send(requestBody(body)); r.GetRequestBody() == nil {
			t.Fatalf("body not forwarded: %v", r)
		}
		ex.close()
	}
	d := f.open(t)
	defer d.close()
	if r := d.send(hdr(2 << 20)); r.GetImmediateResponse() != nil {
		t.Fatalf("a request after the others were forwarded is refused: %v", r)
	}
}

// TestAnnouncedBodyOverTheLimitIs413Early: a content-length over max_request_body is a
// 413 at the headers phase; Envoy never sends the body.
func TestAnnouncedBodyOverTheLimitIs413Early(t *testing.T) {
	f := limitedFixture(t, "  max_request_body: 1048576\n")
	ex := f.open(t)
	defer ex.close()
	ir := immediateOf(t, ex.send(announce("/v1/chat/completions", 5000000)))
	if ir.Status.Code != 413 {
		t.Fatalf("status %d, want 413", ir.Status.Code)
	}
}

// TestIdleRequestStreamIsEnded: a peer that sends request headers and then nothing has
// its stream ended after limits.stream_idle_timeout, and holds nothing afterwards.
func TestIdleRequestStreamIsEnded(t *testing.T) {
	f := limitedFixture(t, "  stream_idle_timeout: 200ms\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(post("/v1/messages", []byte(`{}`), "x-api-key", aliceKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Recv()
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("Recv = %v, want the server to end the idle stream with DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("ended after %v", took)
	}
	waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
}
