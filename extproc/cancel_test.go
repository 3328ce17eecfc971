package extproc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
)

// TestCancelWhileWaitingForCredentials: Envoy cancels the stream (the client went away)
// while Bedrock's credential source hangs, with a credential timeout of a minute. The
// request stops waiting at once; it is recorded as interrupted with no status, and not
// as a credential failure.
func TestCancelWhileWaitingForCredentials(t *testing.T) {
	asked := make(chan struct{}, 16)
	release := make(chan struct{})
	ecs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ecs.Close)
	t.Cleanup(func() { close(release) }) // runs first: the hanging handler returns
	isolateCloud(t, "AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.URL+"/v2/credentials")

	data, err := os.ReadFile("testdata/security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "credential_timeout: 300ms", "credential_timeout: 60s", 1))
	l, err := config.Parse("security.yaml", data, securityLookup)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log, _ := gateway.NewLogger(logs, "debug")
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	rt, err := assembly.NewAssembler(provider.Deps{Logger: log,
		OnCredentialError: func(p string) { m.CredentialErrors.WithLabelValues(p).Inc() }}).Assemble(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := serveFixture(t, rt, reg, m, log, logs)

	body := []byte(`{"model":"claude-via-bedrock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`)
	// A raw stream: the body's reply never comes (the request waits on the credential
	// source), so the message is sent without waiting for one.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	raw, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Send(post("/v1/messages", body, "x-api-key", securityClientKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Recv(); err != nil {
		t.Fatal(err)
	}
	if err := raw.Send(requestBody(body)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked: // the request waits on the credential source
	case <-time.After(10 * time.Second):
		t.Fatal("the credential source was never asked")
	}
	start := time.Now()
	cancel()
	waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the stream ended %v after it was cancelled; the credential timeout is 60s", took)
	}
	waitForCount(t, func() float64 {
		return testutil.ToFloat64(m.Requests.WithLabelValues("platform", "claude-via-bedrock", "bedrock", "0"))
	}, 1)
	if got := testutil.ToFloat64(m.StreamsInterrupted.WithLabelValues("claude-via-bedrock", "bedrock")); got != 1 {
		t.Errorf("streams interrupted = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.CredentialErrors); n != 0 {
		t.Errorf("%d credential error series: the source did not fail, the client left", n)
	}
	if strings.Contains(logs.String(), "credentials unavailable") {
		t.Error("a cancelled request was logged as a credential failure")
	}
}
