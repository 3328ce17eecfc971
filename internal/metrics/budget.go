package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate/tollgate/internal/budget"
)

// Budget holds the budget metrics. It is the budget.Observer of the process's
// rate-limit Service.
//
// The `team` label: of a rejection, the refused request's team; of remaining and limit,
// whose counter it is — the team for `per: team`, "" for `per: all` (one counter), and
// for `per: key` the key's team, the gauge showing the least any of the team's keys has
// left in the current period. Label values come only from configured budget names and
// teams.
type Budget struct {
	RatelimitErrors  *prometheus.CounterVec // reason
	Rejections       *prometheus.CounterVec // budget, team
	ShadowRejections *prometheus.CounterVec // budget, team
	Remaining        *prometheus.GaugeVec   // budget, team
	Limit            *prometheus.GaugeVec   // budget, team

	mu     sync.Mutex
	perKey map[[2]string]map[string]keyLeft // (budget, team) → key → what it has left
}

// keyLeft is what one key has left of a per-key budget, in a calendar period.
type keyLeft struct {
	remaining float64
	period    string
}

func newBudget() *Budget {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"budget", "team"})
	}
	b := &Budget{
		RatelimitErrors: counter("tollgate_ratelimit_errors_total",
			"Failed calls to the rate-limit service that keeps the budgets (timeout, unavailable, unknown_code, bad_response), and charges dropped (dropped_charge).",
			"reason"),
		Rejections: counter("tollgate_budget_rejections_total",
			"Requests refused (429) because a budget was spent, by budget and the request's team.", "budget", "team"),
		ShadowRejections: counter("tollgate_budget_shadow_rejections_total",
			"Requests a shadow budget would have refused (they went on), by budget and the request's team.", "budget", "team"),
		Remaining: gauge("tollgate_budget_remaining",
			"What is left of a budget in its current calendar window, in USD or tokens (the budget's unit), as of the last check or charge."),
		Limit: gauge("tollgate_budget_limit",
			"A budget's limit per calendar window, in USD or tokens (the unit of tollgate_budget_remaining)."),
		perKey: map[[2]string]map[string]keyLeft{},
	}
	for _, r := range budget.Reasons {
		b.RatelimitErrors.WithLabelValues(string(r))
	}
	return b
}

func (b *Budget) collectors() []prometheus.Collector {
	return []prometheus.Collector{b.RatelimitErrors, b.Rejections, b.ShadowRejections, b.Remaining, b.Limit}
}

// RatelimitError implements budget.Observer.
func (b *Budget) RatelimitError(r budget.Reason) { b.RatelimitErrors.WithLabelValues(string(r)).Inc() }

// BudgetRejected implements budget.Observer.
func (b *Budget) BudgetRejected(s *budget.Status) {
	if s.Shadow {
		b.ShadowRejections.WithLabelValues(s.Budget, s.Team).Inc()
		return
	}
	b.Rejections.WithLabelValues(s.Budget, s.Team).Inc()
}

// BudgetRemaining implements budget.Observer.
func (b *Budget) BudgetRemaining(s *budget.Status) {
	team, left := s.Scope, s.Remaining
	switch s.Per {
	case budget.PerAll:
		team = ""
	case budget.PerKey:
		team = s.Team
		var ok bool
		if left, ok = b.leastLeft(s); !ok {
			return
		}
	}
	b.Remaining.WithLabelValues(s.Budget, team).Set(left)
	b.Limit.WithLabelValues(s.Budget, team).Set(s.Limit)
}

// leastLeft records what a key has left of a per-key budget and returns the least any
// key of its team has left in the current period; ok is false for a report from a
// period already over (a late charge).
func (b *Budget) leastLeft(s *budget.Status) (least float64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := [2]string{s.Budget, s.Team}
	keys := b.perKey[id]
	if keys == nil {
		keys = map[string]keyLeft{}
		b.perKey[id] = keys
	}
	least = s.Remaining
	for k, v := range keys {
		switch {
		case v.period > s.Period: // period names of one window sort by time
			return 0, false
		case v.period < s.Period:
			delete(keys, k)
		case k != s.Scope:
			least = min(least, v.remaining)
		}
	}
	keys[s.Scope] = keyLeft{remaining: s.Remaining, period: s.Period}
	return least, true
}

// Forget removes the gauges of a budget no longer configured (a reload removed or
// renamed it); its counters stay.
func (b *Budget) Forget(name string) {
	b.Remaining.DeletePartialMatch(prometheus.Labels{"budget": name})
	b.Limit.DeletePartialMatch(prometheus.Labels{"budget": name})
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range b.perKey {
		if id[0] == name {
			delete(b.perKey, id)
		}
	}
}
