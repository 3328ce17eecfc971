package budget

import (
	"context"
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
	budgettest.Concurrently(b, 16, real, func(g int) error {
		return s.Begin(set, teams[g%len(teams)], "alice", "m").Check(context.Background()).Err
	})
}
