package extproc

import (
	"context"
	"os"
	"testing"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/provider"
)

// testRuntime assembles the config text cfg (name is for its errors).
func testRuntime(tb testing.TB, name, cfg string) *assembly.Runtime {
	tb.Helper()
	l, err := config.Parse(name, []byte(cfg), os.LookupEnv)
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return rt
}

func loadTestRuntime(tb testing.TB, path string) *assembly.Runtime {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return testRuntime(tb, path, string(data))
}

// TestNoBudgetCostsNothing: when no budget applies to a request — no rate-limit
// service, no budgets, or budgets for other models — the budget steps of the request
// path allocate nothing and call nothing.
func TestNoBudgetCostsNothing(t *testing.T) {
	fake := &budgettest.Fake{}
	svc, err := budget.Dial(fake.Serve(t), budget.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	withBudgets := loadTestRuntime(t, "testdata/budgets.yaml")
	for name, srv := range map[string]*Server{
		"no service":   New(withBudgets, Options{}),
		"no budgets":   New(loadTestRuntime(t, "testdata/core.yaml"), Options{Budgets: svc}),
		"none applies": New(withBudgets, Options{Budgets: svc}),
	} {
		st := newStream(srv, srv.runtime.Load())
		st.identity = keys.Identity{Name: "alice", Team: "platform"}
		o := &outcome{}
		o.usage.Input, o.cost, o.priced = 1000, 0.5, true
		allocs := testing.AllocsPerRun(1000, func() {
			if st.checkBudgets("gemini-2.5-pro") != nil {
				t.Fatal("refused")
			}
			st.chargeBudgets(o)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request", name, allocs)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d calls to the rate-limit service", n)
	}
}
