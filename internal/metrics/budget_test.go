package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/internal/budget"
)

var _ budget.Observer = (*Budget)(nil)

func TestRatelimitErrorsStartAtZero(t *testing.T) {
	m := New(prometheus.NewRegistry())
	if n := testutil.CollectAndCount(m.Budget.RatelimitErrors); n != len(budget.Reasons) {
		t.Errorf("%d reasons exported before any error, want %d", n, len(budget.Reasons))
	}
	m.Budget.RatelimitError(budget.ReasonTimeout)
	if v := testutil.ToFloat64(m.Budget.RatelimitErrors.WithLabelValues("timeout")); v != 1 {
		t.Errorf("timeout = %v", v)
	}
}

func TestRejectionsShadowApart(t *testing.T) {
	b := newBudget()
	b.BudgetRejected(&budget.Status{Budget: "daily", Team: "platform"})
	b.BudgetRejected(&budget.Status{Budget: "daily", Team: "platform", Shadow: true})
	b.BudgetRejected(&budget.Status{Budget: "daily", Team: "platform", Shadow: true})
	if v := testutil.ToFloat64(b.Rejections.WithLabelValues("daily", "platform")); v != 1 {
		t.Errorf("rejections %v", v)
	}
	if v := testutil.ToFloat64(b.ShadowRejections.WithLabelValues("daily", "platform")); v != 2 {
		t.Errorf("shadow rejections %v", v)
	}
}

func TestRemainingByScope(t *testing.T) {
	b := newBudget()
	left := func(name, team string) (float64, float64) {
		return testutil.ToFloat64(b.Remaining.WithLabelValues(name, team)), testutil.ToFloat64(b.Limit.WithLabelValues(name, team))
	}
	b.BudgetRemaining(&budget.Status{Budget: "team", Per: budget.PerTeam, Scope: "platform", Team: "platform", Limit: 200, Remaining: 150.5})
	if r, l := left("team", "platform"); r != 150.5 || l != 200 {
		t.Errorf("per team: %v of %v", r, l)
	}
	b.BudgetRemaining(&budget.Status{Budget: "all", Per: budget.PerAll, Scope: "all", Team: "platform", Limit: 1000, Remaining: 10})
	if r, l := left("all", ""); r != 10 || l != 1000 {
		t.Errorf("per all: %v of %v", r, l)
	}

	// Per key: the least any key of the team has left, in the current period.
	key := func(k string, remaining float64, period string) {
		b.BudgetRemaining(&budget.Status{Budget: "key", Per: budget.PerKey, Scope: k, Team: "platform", Limit: 100,
			Remaining: remaining, Period: period})
	}
	key("alice", 80, "2026-12-03")
	key("bob", 30, "2026-12-03")
	key("alice", 70, "2026-12-03")
	if r, _ := left("key", "platform"); r != 30 {
		t.Errorf("per key: %v, want bob's 30", r)
	}
	key("alice", 95, "2026-12-04") // a new day: bob's 30 was yesterday's
	if r, _ := left("key", "platform"); r != 95 {
		t.Errorf("per key, new period: %v, want 95", r)
	}
	key("bob", 1, "2026-12-03") // a late report from the day before
	if r, _ := left("key", "platform"); r != 95 {
		t.Errorf("per key, late report: %v, want 95", r)
	}

	b.Forget("key")
	if n := testutil.CollectAndCount(b.Remaining); n != 2 {
		t.Errorf("%d remaining series after Forget, want 2", n)
	}
	if len(b.perKey) != 0 {
		t.Errorf("per-key state kept: %v", b.perKey)
	}
}
