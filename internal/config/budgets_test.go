package config

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/budget"
)

const budgetsBase = `
providers:
  - name: anthropic
    type: anthropic
    api_key: k
models:
  - match: "claude-*"
    provider: anthropic
keys:
  - name: alice
    team: platform
    key_sha256: "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"
`

func TestBudgetsParseWithDefaults(t *testing.T) {
	src := budgetsBase + `
ratelimit:
  address: ratelimit:8081
budgets:
  - name: team-daily
    per: team
    usd: 200
    window: day
    models: ["claude-opus-*"]
    teams: [platform]
  - name: everyone-tokens
    per: all
    tokens: 1000000
    window: month
    shadow: true
`
	l, err := Parse("inline.yaml", []byte(src), testLookup)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Ratelimit
	if r.Domain != "tollgate" || r.Timeout != "200ms" || r.FailureMode != "open" || Duration(r.Timeout) != 200*time.Millisecond {
		t.Errorf("ratelimit defaults: %+v", r)
	}
	got := l.BudgetList()
	want := []budget.Budget{
		{Name: "team-daily", Per: budget.PerTeam, USD: 200, Window: budget.Day, Models: []string{"claude-opus-*"}, Teams: []string{"platform"}},
		{Name: "everyone-tokens", Per: budget.PerAll, Tokens: 1000000, Window: budget.Month, Shadow: true},
	}
	if len(got) != len(want) {
		t.Fatalf("budgets %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Per != w.Per || g.USD != w.USD || g.Tokens != w.Tokens || g.Window != w.Window ||
			g.Shadow != w.Shadow || len(g.Models) != len(w.Models) || len(g.Teams) != len(w.Teams) {
			t.Errorf("budget %d: %+v, want %+v", i, g, w)
		}
	}
	set, err := l.BudgetSet()
	if err != nil || set.Len() != 2 {
		t.Errorf("BudgetSet: %v, %v", set.Len(), err)
	}
}

func TestNoBudgetsNoSet(t *testing.T) {
	l, err := Parse("inline.yaml", []byte(budgetsBase), testLookup)
	if err != nil {
		t.Fatal(err)
	}
	if set, err := l.BudgetSet(); set != nil || err != nil {
		t.Errorf("BudgetSet without budgets: %v, %v", set, err)
	}
	if l.Ratelimit != nil {
		t.Errorf("ratelimit %+v without a section", l.Ratelimit)
	}
}

// A ratelimit section without budgets is valid (budgets may come with a reload).
func TestRatelimitWithoutBudgets(t *testing.T) {
	src := budgetsBase + "ratelimit:\n  address: 127.0.0.1:8081\n  failure_mode: closed\n  timeout: 1s\n  domain: other\n"
	l, err := Parse("inline.yaml", []byte(src), testLookup)
	if err != nil {
		t.Fatal(err)
	}
	if r := l.Ratelimit; r.Domain != "other" || r.FailureMode != "closed" || r.Timeout != "1s" {
		t.Errorf("ratelimit %+v", r)
	}
}

func TestParent(t *testing.T) {
	for in, want := range map[string]string{"budgets[1].models[0]": "budgets[1].models", "budgets[1].models": "budgets[1]",
		"budgets[1]": "budgets", "budgets": "", "ratelimit.timeout": "ratelimit"} {
		if got := parent(in); got != want {
			t.Errorf("parent(%q) = %q, want %q", in, got, want)
		}
	}
}
