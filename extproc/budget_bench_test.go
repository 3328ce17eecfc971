package extproc

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
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
	l, err := config.Parse("core.yaml", []byte(cfg), os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		b.Fatal(err)
	}
	return rt
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
	phase := func() {
		st := newStream(srv, srv.runtime.Load())
		st.onRequestHeaders(hdr)
		if st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true}).GetRequestBody() == nil {
			panic("refused")
		}
		st.done = true
	}
	phase() // the counters exist, as in steady state
	lat := make([][]time.Duration, concurrency)
	var next atomic.Int64
	b.ReportAllocs()
	cpu0, svc0 := selfCPU(), budgettest.CPU(real.Pids()...)
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				phase()
				lat[g] = append(lat[g], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu, svcCPU := selfCPU()-cpu0, budgettest.CPU(real.Pids()...)-svc0
	all := slices.Concat(lat...)
	slices.Sort(all)
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "tollgate-cpu-µs/op")
	b.ReportMetric(float64(svcCPU.Microseconds())/float64(b.N), "service+redis-cpu-µs/op")
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
