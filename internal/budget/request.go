package budget

import (
	"context"
	"sync/atomic"
	"time"
)

// pick is one budget that applies to a request, with the request's counter in it.
type pick struct {
	rule  *rule
	scope string // the scope entry's value, escaped
}

// Request is the budget accounting of one request. Check is not safe for concurrent
// use; Charge is, and only its first call counts. The zero *Request (nil) does nothing.
type Request struct {
	svc       *Service
	team, key string
	picks     []pick
	buf       [3]pick // picks' first backing array: most requests meet few budgets
	charged   atomic.Bool
	addends   []uint64 // the charge, one per pick, written before it is queued
	addendBuf [3]uint64
}

// Outcome is what a check decided.
type Outcome int

// The outcomes.
const (
	Allow      Outcome = iota // go on
	OverBudget                // refuse: 429, with Verdict.Over's message and retry-after
	Failed                    // the check failed under failure_mode closed: 503
)

// Verdict is the result of a check.
type Verdict struct {
	Outcome Outcome
	// Over is the budget that refuses (OverBudget): of the budgets over, the one that
	// resets last, so that its retry-after is honest.
	Over *Status
	// Statuses has one entry per applying budget; empty when the call failed.
	Statuses []Status
	// Err and Reason are set when the call failed (Outcome Allow under open, Failed
	// under closed); Reason is empty when the caller's own context ended the call.
	Err    error
	Reason Reason
}

// Status is one budget's state, as the service reported it.
type Status struct {
	Budget string
	Per    Per
	Window Window
	// Scope is whose counter it is: the team, the key name, or "all" (unescaped;
	// "" for a request without a team or key).
	Scope     string
	Team, Key string // the request's
	Shadow    bool
	// Over: the budget is spent (the service said OVER_LIMIT, or nothing remains).
	Over bool
	// Tokens says the unit of Limit and Remaining: tokens, else USD.
	Tokens           bool
	Limit, Remaining float64
	Period           string    // the calendar period, e.g. "2026-12-03"
	Reset            time.Time // the end of the period
	// RetryAfter is Reset less the time of the check.
	RetryAfter time.Duration
}

// Check asks the service, in one call, whether any applying budget is spent. Under
// failure_mode open a failed call allows the request; under closed it fails it. Every
// failure, rejection and remaining amount is reported to the Observer.
func (r *Request) Check(ctx context.Context) Verdict {
	if r == nil {
		return Verdict{}
	}
	s := r.svc
	now := s.o.Now()
	req := s.request(r.picks, nil, now)
	cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	resp, err := s.rls.ShouldRateLimit(cctx, req)
	cancel()
	var statuses []Status
	if err == nil {
		statuses, err = r.interpret(resp, r.picks, nil, now)
	}
	if err != nil {
		v := Verdict{Err: err, Reason: classify(ctx, err)}
		if v.Reason != "" {
			s.o.Observer.RatelimitError(v.Reason)
		}
		if s.o.FailureMode == FailClosed {
			v.Outcome = Failed
		}
		return v
	}
	v := Verdict{Statuses: statuses}
	for i := range statuses {
		st := &statuses[i]
		s.o.Observer.BudgetRemaining(st)
		if !st.Over {
			continue
		}
		s.o.Observer.BudgetRejected(st)
		if !st.Shadow && (v.Over == nil || st.Reset.After(v.Over.Reset)) {
			v.Over, v.Outcome = st, OverBudget
		}
	}
	return v
}

// Charge queues the request's usage for its budgets and returns at once: tokens, every
// billed token; usd, its cost. Only the first call counts; call it at the end of every
// response, complete, interrupted or cancelled.
func (r *Request) Charge(tokens int64, usd float64) {
	if r == nil || !r.charged.CompareAndSwap(false, true) {
		return
	}
	r.addends = r.addendBuf[:0]
	some := false
	for _, p := range r.picks {
		var n uint64
		if p.rule.Tokens > 0 {
			n = clampTokens(tokens)
		} else {
			n = r.svc.carry.take(p.rule.Name, p.scope, usd)
		}
		some = some || n > 0
		r.addends = append(r.addends, n)
	}
	if some {
		r.svc.charger.enqueue(r)
	}
}

func clampTokens(n int64) uint64 {
	switch {
	case n <= 0:
		return 0
	case n > MaxTokens:
		return MaxTokens
	}
	return uint64(n)
}
