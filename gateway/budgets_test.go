package gateway

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

const budgetsSection = `ratelimit:
  address: %s
budgets:
  - name: everyone-daily
    per: all
    tokens: 1000
    window: day
`

// request sends one request's headers and body through the gateway.
func request(t *testing.T, g *Gateway) *extprocv3.ProcessingResponse {
	t.Helper()
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := extprocv3.NewExternalProcessorClient(conn).Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hdr := &corev3.HeaderMap{Headers: []*corev3.HeaderValue{{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/messages")}}}
	var resp *extprocv3.ProcessingResponse
	for _, r := range []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: hdr}}},
		{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: []byte(`{"model":"claude-x"}`), EndOfStream: true}}},
	} {
		if err := s.Send(r); err != nil {
			t.Fatal(err)
		}
		if resp, err = s.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	return resp
}

func reload(t *testing.T, g *Gateway, path, cfg string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+g.AdminAddr()+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("reload: %d", resp.StatusCode)
	}
}

// TestBudgetsReload: a reload that adds a ratelimit section dials the service and
// enforces the budgets; a reload that changes the section keeps the running service
// and warns (restart-only); a reload that removes a budget drops its gauges.
func TestBudgetsReload(t *testing.T) {
	base := strings.Replace(baseConfig, "server:\n", "server:\n  watch_config: false\n", 1)
	g, path, logs, _, _ := start(t, base)
	request(t, g)
	if g.budgets != nil {
		t.Fatal("a rate-limit service without a ratelimit section")
	}

	fake := &budgettest.Fake{}
	addr := fake.Serve(t)
	withBudgets := base + strings.Replace(budgetsSection, "%s", addr, 1)
	reload(t, g, path, withBudgets)
	if g.budgets == nil || g.Server().Runtime().Budgets().Len() != 1 {
		t.Fatalf("budgets not set up on reload: %v", g.budgets)
	}
	request(t, g)
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("%d calls to the rate-limit service, want 1 check", n)
	}
	if v := testutil.ToFloat64(g.metrics.Budget.Remaining.WithLabelValues("everyone-daily", "")); v != 1000 {
		t.Errorf("remaining %v", v)
	}

	running := g.budgets
	other := &budgettest.Fake{}
	reload(t, g, path, base+strings.Replace(budgetsSection, "%s", other.Serve(t), 1))
	if g.budgets != running {
		t.Error("the service was replaced on reload")
	}
	if !strings.Contains(logs.String(), "ratelimit settings changed; they take effect at the next restart") {
		t.Errorf("no warning for a changed ratelimit section:\n%s", logs.String())
	}
	request(t, g)
	if len(fake.Requests()) != 2 || len(other.Requests()) != 0 {
		t.Errorf("checks went to the new address before a restart")
	}

	reload(t, g, path, base+"ratelimit:\n  address: "+addr+"\n") // no budgets
	if n := testutil.CollectAndCount(g.metrics.Budget.Remaining); n != 0 {
		t.Errorf("%d remaining series of a budget no longer configured", n)
	}
	request(t, g)
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d calls with no budget configured", n)
	}
}
