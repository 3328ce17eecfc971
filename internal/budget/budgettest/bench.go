package budgettest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrently runs op b.N times, concurrency calls at a time (worker is the calling
// goroutine's number), and reports the latency's p50 and p99, this process's CPU per
// call, and that of real's service and Redis. A call that returns an error fails the
// benchmark.
func Concurrently(b *testing.B, concurrency int, real *Real, op func(worker int) error) {
	lat := make([][]time.Duration, concurrency)
	var next, failed atomic.Int64
	b.ReportAllocs()
	cpu0, svc0 := selfCPU(), CPU(real.Pids()...)
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				if op(g) != nil {
					failed.Add(1)
				}
				lat[g] = append(lat[g], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu, svc := selfCPU()-cpu0, CPU(real.Pids()...)-svc0
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d calls failed", n)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "tollgate-cpu-µs/op")
	b.ReportMetric(float64(svc.Microseconds())/float64(b.N), "service+redis-cpu-µs/op")
}
