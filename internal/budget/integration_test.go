package budget

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

// Tests against the real envoyproxy/ratelimit on Redis (realservice_test.go). Each
// starts its own pair; the clock tollgate uses is injected, the service keeps its own.

// realSetup starts the service and returns a Service on it with a settable clock.
func realSetup(t *testing.T, o Options) (*budgettest.Real, *recorder, *fixedClock, *Service) {
	t.Helper()
	real := startReal(t, "tollgate")
	rec := newRecorder()
	clock := &fixedClock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	o.Observer, o.Now = rec, clock.Now
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second // a busy CI machine; the budgets' logic is under test here
	}
	return real, rec, clock, newService(t, real.Addr(), o)
}

// remaining checks and returns each budget's remaining amount, or the failure.
func remaining(s *Service, set *Set, team string) (string, Verdict) {
	v := s.Begin(set, team, "alice", "claude-opus-4-5").Check(context.Background())
	if v.Err != nil {
		return "error: " + v.Err.Error(), v
	}
	var parts []string
	for _, st := range v.Statuses {
		p := st.Budget + "=" + strconv.FormatFloat(st.Remaining, 'f', -1, 64)
		if st.Over {
			p += " over"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", "), v
}

// waitRemaining polls until the check reports want (a charge lands asynchronously).
func waitRemaining(t *testing.T, s *Service, set *Set, team, want string) Verdict {
	t.Helper()
	var got string
	var v Verdict
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, v = remaining(s, set, team); got == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("remaining: %s\nwant       %s", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRealChargesCrossBudget(t *testing.T) {
	real, rec, _, s := realSetup(t, Options{})
	set := mustCompile(t,
		Budget{Name: "team-daily", Per: PerTeam, Tokens: 1000, Window: Day},
		Budget{Name: "team-usd", Per: PerTeam, USD: 1, Window: Month},
	)
	waitRemaining(t, s, set, "platform", "team-daily=1000, team-usd=1")
	s.Begin(set, "platform", "alice", "m").Charge(900, 0.6)
	waitRemaining(t, s, set, "platform", "team-daily=100, team-usd=0.4")
	s.Begin(set, "platform", "alice", "m").Charge(900, 0.6)
	v := waitRemaining(t, s, set, "platform", "team-daily=0 over, team-usd=0 over")
	if v.Outcome != OverBudget || v.Over.Budget != "team-usd" {
		t.Fatalf("verdict %+v", v)
	}
	if got, want := v.Over.Message(), `budget "team-usd" is spent ($1.00 per month for team platform); it resets at 2027-01-01T00:00:00Z`; got != want {
		t.Errorf("message %q", got)
	}
	waitRemaining(t, s, set, "data", "team-daily=1000, team-usd=1") // another team's counter
	if rec.count(ReasonBadResponse)+rec.count(ReasonUnknownCode)+rec.count(ReasonDroppedCharge) != 0 {
		t.Errorf("errors %v", rec.errors)
	}

	// The counters in Redis: domain, entries, then the service's window start; a month
	// counter is kept a year (YEAR unit), a day counter a day.
	now := time.Now().Unix()
	keys := real.RedisCmd(t, "KEYS", "*")
	want := map[string]int64{
		fmt.Sprintf("tollgate_budget_team-daily_team_platform_period_2026-12-03_%d", now/86400*86400):        86400,
		fmt.Sprintf("tollgate_budget_team-usd_team_platform_period_2026-12_%d", now/yearSeconds*yearSeconds): yearSeconds,
	}
	for k, unit := range want {
		ttl := real.RedisCmd(t, "TTL", k)
		n, _ := strconv.ParseInt(ttl[0], 10, 64)
		if n < unit-60 || n > unit+300 { // the service adds up to 300s of jitter
			t.Errorf("key %s: TTL %v, want about %d (keys: %v)", k, ttl, unit, keys)
		}
	}
}

// TestRealCalendarBoundary: a new day starts a new day counter and keeps the month's; a
// new month starts a new month counter.
func TestRealCalendarBoundary(t *testing.T) {
	_, _, clock, s := realSetup(t, Options{})
	set := mustCompile(t,
		Budget{Name: "daily", Per: PerTeam, Tokens: 100, Window: Day},
		Budget{Name: "monthly", Per: PerTeam, Tokens: 100, Window: Month},
	)
	clock.Set(time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC))
	s.Begin(set, "platform", "alice", "m").Charge(60, 0)
	waitRemaining(t, s, set, "platform", "daily=40, monthly=40")

	clock.Set(time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC))
	waitRemaining(t, s, set, "platform", "daily=100, monthly=40")
	s.Begin(set, "platform", "alice", "m").Charge(50, 0)
	v := waitRemaining(t, s, set, "platform", "daily=50, monthly=0 over")
	if v.Outcome != OverBudget || v.Over.RetryAfterSeconds() != 30 {
		t.Errorf("verdict %+v", v.Over)
	}

	clock.Set(time.Date(2027, 1, 1, 0, 0, 30, 0, time.UTC))
	if v := waitRemaining(t, s, set, "platform", "daily=100, monthly=100"); v.Outcome != Allow {
		t.Errorf("verdict %+v", v)
	}
}

// TestRealRedisRestart: with Redis down the service answers UNKNOWN; open lets the
// request through, closed refuses it, both count; charges are retried, then dropped
// and counted. When Redis is back, checks and charges work again.
func TestRealRedisRestart(t *testing.T) {
	real, rec, clock, open := realSetup(t, Options{Backoff: 10 * time.Millisecond})
	closed := newService(t, real.Addr(), Options{FailureMode: FailClosed, Observer: rec, Now: clock.Now, Timeout: 2 * time.Second})
	set := mustCompile(t, Budget{Name: "daily", Per: PerTeam, Tokens: 100, Window: Day})
	open.Begin(set, "platform", "alice", "m").Charge(10, 0)
	waitRemaining(t, open, set, "platform", "daily=90")

	real.StopRedis()
	v := open.Begin(set, "platform", "alice", "m").Check(context.Background())
	if v.Outcome != Allow || v.Reason != ReasonUnknownCode {
		t.Errorf("open, Redis down: %v %q %v", v.Outcome, v.Reason, v.Err)
	}
	v = closed.Begin(set, "platform", "alice", "m").Check(context.Background())
	if v.Outcome != Failed || v.Reason != ReasonUnknownCode {
		t.Errorf("closed, Redis down: %v %q %v", v.Outcome, v.Reason, v.Err)
	}
	open.Begin(set, "platform", "alice", "m").Charge(5, 0)
	waitFor(t, "the charge dropped", func() bool { return rec.count(ReasonDroppedCharge) == 1 })
	if n := rec.count(ReasonUnknownCode); n != 2+3 {
		t.Errorf("%d unknown_code counted, want 2 checks + 3 charge attempts", n)
	}

	real.StartRedis(t)
	start := time.Now()
	waitRemaining(t, closed, set, "platform", "daily=100") // Redis was not persisted
	t.Logf("checks worked again %v after Redis restarted", time.Since(start).Round(time.Millisecond))
	// The service's Redis pool still holds connections to the old Redis; each fails once
	// when next used and is replaced. A check that worked may have had a fresh one, so the
	// charge could still meet stale ones (and be dropped after its retries): wait until
	// twenty checks in a row work, more than the pool holds.
	waitFor(t, "every pooled Redis connection replaced", func() bool {
		for range 20 {
			if v := closed.Begin(set, "platform", "alice", "m").Check(context.Background()); v.Outcome != Allow {
				return false
			}
		}
		return true
	})
	dropped := rec.count(ReasonDroppedCharge)
	open.Begin(set, "platform", "alice", "m").Charge(30, 0)
	waitRemaining(t, closed, set, "platform", "daily=70")
	if n := rec.count(ReasonDroppedCharge); n != dropped {
		t.Errorf("%d charges dropped after Redis was back", n-dropped)
	}
}

// TestRealServiceKilled: with the service gone, open lets requests through and closed
// refuses them, both counted as unavailable; a restarted service is used again.
func TestRealServiceKilled(t *testing.T) {
	real, rec, clock, open := realSetup(t, Options{})
	closed := newService(t, real.Addr(), Options{FailureMode: FailClosed, Observer: rec, Now: clock.Now, Timeout: 2 * time.Second})
	set := mustCompile(t, Budget{Name: "daily", Per: PerTeam, Tokens: 100, Window: Day})
	waitRemaining(t, open, set, "platform", "daily=100")
	waitRemaining(t, closed, set, "platform", "daily=100")

	real.KillService()
	for name, tc := range map[string]struct {
		s    *Service
		want Outcome
	}{"open": {open, Allow}, "closed": {closed, Failed}} {
		start := time.Now()
		v := tc.s.Begin(set, "platform", "alice", "m").Check(context.Background())
		if v.Outcome != tc.want || v.Reason != ReasonUnavailable || time.Since(start) > time.Second {
			t.Errorf("%s, service killed: %v %q %v in %v", name, v.Outcome, v.Reason, v.Err, time.Since(start))
		}
	}
	if n := rec.count(ReasonUnavailable); n != 2 {
		t.Errorf("%d unavailable counted, want 2", n)
	}

	real.StartService(t)
	start := time.Now()
	waitRemaining(t, closed, set, "platform", "daily=100")
	t.Logf("checks worked again %v after the service restarted", time.Since(start).Round(time.Millisecond))
}
