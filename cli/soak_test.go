package cli

import (
	"flag"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/tollgate/tollgate/bench"
	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/testnote"
)

var soak = flag.Duration("soak", 3*time.Second, "how long TestSoak keeps 1,000 streams busy (CI: 60s)")

// TestSoak keeps 1,000 concurrent ext_proc streams busy against tollgate with the load
// tool: no error, exact token sums, and afterwards the goroutines and the heap are back
// to their baseline (nothing leaks per request).
func TestSoak(t *testing.T) {
	if testing.Short() || raceEnabled {
		testnote.Skip(t, "the 1,000-stream soak runs only without -short and -race: go test -run TestSoak ./cli (.ci/run runs it for 60s)")
	}
	g, err := gateway.New(gateway.Options{ConfigPath: "../bench/testdata/tollgate-bench.yaml", Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	baseGoroutines, baseHeap := runtime.NumGoroutine(), heap()

	rep, err := bench.Run(t.Context(), bench.Options{Scenarios: []string{"chat-2k"}, Concurrency: 1000, Requests: 1 << 30,
		Duration: *soak, NoFloor: true}, g.Server().Register, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	t.Logf("%d requests in %v (%.0f/s), usage %s", r.Full, r.Elapsed, r.RPS, r.Usage.Status())
	if r.Errors != 0 || r.Full < 1000 || !r.Usage.Exact {
		t.Fatalf("errors %d %q, full %d, usage %+v", r.Errors, r.ErrorSamples, r.Full, r.Usage)
	}
	if open := g.Server().Open(); open != 0 {
		t.Errorf("%d streams still open", open)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseGoroutines+5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseGoroutines+5 {
		t.Errorf("goroutines %d, baseline %d", n, baseGoroutines)
	}
	if h := heap(); h > baseHeap+32<<20 {
		t.Errorf("heap %d MiB after the run, baseline %d MiB", h>>20, baseHeap>>20)
	}
}
