package extproc

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

// benchBudgets are three budgets that apply to every request of the benchmark (one
// descriptor each), as internal/budget's BenchmarkRealCheck has them; none refuses.
const benchBudgets = `ratelimit:
  address: 127.0.0.1:1
budgets:
  - {name: team-daily, per: team, usd: 200000, window: day}
  - {name: team-monthly, per: team, usd: 400000, window: month}
  - {name: key-minute, per: key, tokens: 4000000000, window: minute}
`

func benchBudgetRuntime(b *testing.B, budgets bool) *assembly.Runtime {
	data, err := os.ReadFile("testdata/core.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg := strings.Replace(string(data), "max_request_body: 4096", "max_request_body: 33554432", 1)
	if budgets {
		cfg += benchBudgets
	}
	return testRuntime(b, "core.yaml", cfg)
}

// BenchmarkRequestPhaseBudgets is what budgets add to the request phase (request
// headers and body: authenticate, validate, route, check the budgets, rewrite): 16
// requests at a time (and one at a time, for the bare round trip), without budgets and
// with three that apply, checked in one call to the real envoyproxy/ratelimit on Redis
// on this machine (skipped when absent). It reports latency p50 and p99, tollgate's CPU
// per request (this process) and the service's and Redis's.
//
//	go test -run '^$' -bench RequestPhaseBudgets -benchtime 20000x ./extproc
func BenchmarkRequestPhaseBudgets(b *testing.B) {
	real := budgettest.StartReal(b, budget.DefaultDomain, budget.RatelimitConfig(budget.DefaultDomain))
	svc, err := budget.Dial(real.Addr(), budget.Options{Timeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close(context.Background())
	bodies := map[string][]byte{
		"chat-2k":     claudeCodeBody(2 << 10),
		"claude-200k": claudeCodeBody(200 << 10),
	}
	for _, c := range []struct {
		body        string
		concurrency int
	}{{"chat-2k", 16}, {"claude-200k", 16}, {"chat-2k", 1}} {
		for _, withBudgets := range []bool{false, true} {
			name := c.body + "/none/c" + strconv.Itoa(c.concurrency)
			if withBudgets {
				name = c.body + "/3-budgets/c" + strconv.Itoa(c.concurrency)
			}
			srv := New(benchBudgetRuntime(b, withBudgets), Options{Budgets: svc})
			b.Run(name, func(b *testing.B) { requestPhase(b, srv, bodies[c.body], c.concurrency, real) })
		}
	}
}

func requestPhase(b *testing.B, srv *Server, body []byte, concurrency int, real *budgettest.Real) {
	hdr := &extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/messages")},
		{Key: "content-type", RawValue: []byte("application/json")}, {Key: "x-api-key", RawValue: []byte("alice-key")},
	}}}
	phase := func(int) error {
		st := newStream(srv, srv.runtime.Load())
		defer func() { st.done = true }()
		st.onRequestHeaders(hdr)
		if st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true}).GetRequestBody() == nil {
			return errors.New("refused")
		}
		return nil
	}
	if err := phase(0); err != nil { // the counters exist, as in steady state
		b.Fatal(err)
	}
	budgettest.Concurrently(b, concurrency, real, phase)
}
