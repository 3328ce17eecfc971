package budget

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
)

func TestChargeAddends(t *testing.T) {
	f, rec, s, set := checkSetup(t, Options{},
		Budget{Name: "usd", Per: PerTeam, USD: 200, Window: Day},
		Budget{Name: "tok", Per: PerKey, Tokens: 1_000_000, Window: Month},
	)
	s.Begin(set, "platform", "alice", "m").Charge(1234, 0.123456)
	waitFor(t, "the first charge", func() bool { return len(f.requests()) == 1 })
	s.Begin(set, "platform", "alice", "m").Charge(0, 0.00005) // carried: 0.56 + 0.5 units
	waitFor(t, "the second charge", func() bool { return len(f.requests()) == 2 })
	reqs := f.requests()
	type d struct {
		entries string
		addend  uint64
	}
	var got [][]d
	for _, req := range reqs {
		var ds []d
		for _, x := range req.Descriptors {
			ds = append(ds, d{entriesKey(x.Entries), x.GetHitsAddend().GetValue()})
		}
		got = append(got, ds)
	}
	want := [][]d{
		{{"budget=usd;team=platform;period=2026-12-03;", 1234}, {"budget=tok;key=alice;period=2026-12;", 1234}},
		{{"budget=usd;team=platform;period=2026-12-03;", 1}}, // no tokens: no token descriptor
	}
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 1 || got[0][0] != want[0][0] || got[0][1] != want[0][1] || got[1][0] != want[1][0] {
		t.Fatalf("charges %v\nwant    %v", got, want)
	}
	waitFor(t, "remaining reported", func() bool { v, ok := rec.left("usd/platform"); return ok && v == 199.8765 })
	if v, _ := rec.left("tok/alice"); v != 1_000_000-1234 {
		t.Errorf("tokens remaining %v", v)
	}
}

func TestChargeExactlyOnce(t *testing.T) {
	f, _, s, set := checkSetup(t, Options{}, Budget{Name: "tok", Per: PerAll, Tokens: 10, Window: Day})
	r := s.Begin(set, "", "", "m")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { r.Charge(3, 0) })
	}
	wg.Wait()
	waitFor(t, "the charge", func() bool { return len(f.requests()) >= 1 })
	time.Sleep(50 * time.Millisecond)
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d charge calls, want 1", n)
	}
	s.Begin(set, "", "", "m").Charge(0, 0) // nothing used: no call
	time.Sleep(50 * time.Millisecond)
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d calls after an empty charge, want 1", n)
	}
}

// TestChargePeriodWhenSent: usage counts in the period current when it is charged.
func TestChargePeriodWhenSent(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)}
	f, _, s, set := checkSetup(t, Options{Now: clock.Now}, Budget{Name: "m", Per: PerAll, Tokens: 10, Window: Month})
	r := s.Begin(set, "", "", "m")
	r.Check(context.Background())
	clock.Set(time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC))
	r.Charge(5, 0)
	waitFor(t, "the charge", func() bool { return len(f.requests()) == 2 })
	if got := entriesKey(f.requests()[1].Descriptors[0].Entries); got != "budget=m;all=all;period=2027-01;" {
		t.Errorf("charged %s", got)
	}
}

func TestChargeRetries(t *testing.T) {
	f, rec, s, set := checkSetup(t, Options{Backoff: time.Millisecond}, Budget{Name: "tok", Per: PerAll, Tokens: 10, Window: Day})
	fails := 2
	f.setAnswer(func(req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
		if fails > 0 {
			fails--
			return nil, errors.New("redis down")
		}
		return f.count(req), nil
	})
	s.Begin(set, "", "", "m").Charge(4, 0)
	waitFor(t, "the third attempt", func() bool { return len(f.requests()) == 3 })
	waitFor(t, "remaining reported", func() bool { v, ok := rec.left("tok/all"); return ok && v == 6 })
	if rec.count(ReasonUnknownCode) != 2 || rec.count(ReasonDroppedCharge) != 0 {
		t.Errorf("errors %v", rec.errors)
	}
}

func TestChargeGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)
		calls  int
		reason Reason
	}{
		{"unknown code: retried", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return nil, errors.New("redis down")
		}, 3, ReasonUnknownCode},
		{"timeout: not retried, it may have counted", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			time.Sleep(100 * time.Millisecond)
			return nil, errors.New("late")
		}, 1, ReasonTimeout},
		{"garbage: not retried", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return &rlsv3.RateLimitResponse{}, nil
		}, 1, ReasonBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, rec, s, set := checkSetup(t, Options{Backoff: time.Millisecond, ChargeTimeout: 20 * time.Millisecond},
				Budget{Name: "tok", Per: PerAll, Tokens: 10, Window: Day})
			// Connect first: the lazy dial must not eat the 20ms charge timeout on a busy
			// machine (with -race, the first call can take longer than that).
			if v := s.Begin(set, "", "", "m").Check(context.Background()); v.Err != nil {
				t.Fatal(v.Err)
			}
			warm := len(f.requests())
			f.setAnswer(tc.answer)
			s.Begin(set, "", "", "m").Charge(4, 0)
			waitFor(t, "the charge dropped", func() bool { return rec.count(ReasonDroppedCharge) == 1 })
			if n := len(f.requests()) - warm; n != tc.calls || rec.count(tc.reason) != tc.calls {
				t.Errorf("%d calls, errors %v; want %d calls", n, rec.errors, tc.calls)
			}
		})
	}
}

// TestChargeQueueFull: with the one worker stuck and the queue full, Charge returns at
// once and drops.
func TestChargeQueueFull(t *testing.T) {
	release := make(chan struct{})
	f, rec, s, set := checkSetup(t, Options{Workers: 1, QueueSize: 2}, Budget{Name: "tok", Per: PerAll, Tokens: 10, Window: Day})
	f.setAnswer(func(req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
		<-release
		return f.count(req), nil
	})
	s.Begin(set, "", "", "m").Charge(1, 0)
	waitFor(t, "the worker busy", func() bool { return len(f.requests()) == 1 })
	start := time.Now()
	for range 5 {
		s.Begin(set, "", "", "m").Charge(1, 0)
	}
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("5 charges took %v", took)
	}
	if n := rec.count(ReasonDroppedCharge); n != 3 {
		t.Errorf("%d dropped, want 3 (2 queued)", n)
	}
	close(release)
	waitFor(t, "the queue drained", func() bool { return len(f.requests()) == 3 })
}

// TestChargeDeadServiceBoundsGoroutines: with nothing listening, 10k charges return at
// once, leave no more goroutines than the workers (and gRPC's few), and each is counted
// as dropped once the service is closed.
func TestChargeDeadServiceBoundsGoroutines(t *testing.T) {
	rec := newRecorder()
	s, err := Dial(deadAddress(t), Options{Observer: rec, Workers: 4, QueueSize: 256, Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	set := mustCompile(t, Budget{Name: "tok", Per: PerTeam, Tokens: 10, Window: Day})
	before := runtime.NumGoroutine()
	start := time.Now()
	peak := 0
	for i := range 10_000 {
		s.Begin(set, "platform", "", "m").Charge(1, 0)
		if i%500 == 0 {
			peak = max(peak, runtime.NumGoroutine())
		}
	}
	took := time.Since(start)
	time.Sleep(100 * time.Millisecond) // the workers retry
	peak = max(peak, runtime.NumGoroutine())
	if peak-before > 10 {
		t.Errorf("goroutines grew from %d to %d", before, peak)
	}
	if took > 2*time.Second {
		t.Errorf("10k charges took %v to queue or drop", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	s.Close(ctx)
	if n := rec.count(ReasonDroppedCharge); n != 10_000 {
		t.Errorf("%d dropped charges counted, want 10000", n)
	}
	if rec.count(ReasonUnavailable) == 0 {
		t.Errorf("no unavailable counted: %v", rec.errors)
	}
}

func TestCloseSendsQueued(t *testing.T) {
	f := &fakeRLS{}
	rec := newRecorder()
	s, err := Dial(serveFake(t, f), Options{Observer: rec, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	set := mustCompile(t, Budget{Name: "tok", Per: PerAll, Tokens: 1000, Window: Day})
	for range 50 {
		s.Begin(set, "", "", "m").Charge(1, 0)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 50 || rec.count(ReasonDroppedCharge) != 0 {
		t.Errorf("%d charges sent, errors %v", n, rec.errors)
	}
	s.Begin(set, "", "", "m").Charge(1, 0) // after Close: dropped, counted, no panic
	if rec.count(ReasonDroppedCharge) != 1 {
		t.Errorf("a charge after Close: errors %v", rec.errors)
	}
}

// TestCarryExactToTheCent: a month of small charges adds up to the true cost rounded
// down, within one unit ($0.0001), where rounding each charge would drift.
func TestCarryExactToTheCent(t *testing.T) {
	var c carry
	c.init()
	rng := rand.New(rand.NewPCG(1, 2))
	var trueSum float64
	var units, naive uint64
	for range 1_000_000 {
		// Costs like $3/M input and $15/M output tokens: never whole units.
		usd := float64(rng.IntN(20000))*3e-6 + float64(rng.IntN(2000))*15e-6
		trueSum += usd
		units += c.take("b", "team", usd)
		naive += usdUnits(usd)
	}
	got, want := float64(units)/unitsPerUSD, trueSum
	if d := want - got; d < 0 || d >= USDUnit {
		t.Errorf("charged $%.6f for $%.6f: off by %g", got, want, d)
	}
	t.Logf("carried: $%.4f of $%.6f; rounding each charge half up: $%.4f", got, want, float64(naive)/unitsPerUSD)
	if n := c.take("fresh", "team", 0.0003); n != 3 { // 0.0003×10⁴ is 2.9999999999999996
		t.Errorf("$0.0003 charged %d units, want 3", n)
	}
}
