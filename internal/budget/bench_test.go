package budget

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

// BenchmarkRealCheck is what budgets add to the request phase: Begin and the check
// call, 16 requests at a time, against the real service on Redis on this machine, with
// three budgets applying (one descriptor each). It reports the latency's p50 and p99,
// and the CPU per request of tollgate (this process) and of the service and Redis.
// Skipped when they are absent.
//
//	go test -run '^$' -bench RealCheck -benchtime 20000x ./internal/budget
func BenchmarkRealCheck(b *testing.B) {
	real := startReal(b, "tollgate")
	s := newService(b, real.Addr(), Options{Timeout: 5 * time.Second})
	set := mustCompile(b,
		Budget{Name: "team-daily", Per: PerTeam, USD: 200, Window: Day},
		Budget{Name: "team-monthly", Per: PerTeam, USD: 4000, Window: Month},
		Budget{Name: "key-minute", Per: PerKey, Tokens: 1_000_000, Window: Minute},
	)
	teams := []string{"platform", "data", "search", "mobile"}
	for _, team := range teams { // the counters exist, as they would in steady state
		s.Begin(set, team, "alice", "m").Check(context.Background())
	}
	b.ReportAllocs()
	const concurrency = 16
	lat := make([][]time.Duration, concurrency)
	var next atomic.Int64
	var failed atomic.Int64
	cpu0, svc0 := selfCPU(), budgettest.CPU(real.Pids()...)
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range concurrency {
		wg.Go(func() {
			team := teams[g%len(teams)]
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				v := s.Begin(set, team, "alice", "m").Check(context.Background())
				lat[g] = append(lat[g], time.Since(start))
				if v.Err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu, svc := selfCPU()-cpu0, budgettest.CPU(real.Pids()...)-svc0
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d checks failed", n)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "tollgate-cpu-µs/op")
	b.ReportMetric(float64(svc.Microseconds())/float64(b.N), "service+redis-cpu-µs/op")
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
