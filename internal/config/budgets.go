package config

import (
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/tollgate/tollgate/internal/budget"
)

// Ratelimit is the rate-limit service that keeps the budgets' counters: a gRPC server
// speaking envoy.service.ratelimit.v3 (envoyproxy/ratelimit on Redis). It is read at
// start (and at the first reload that adds it); later changes take effect at the next
// restart (see the README's "Budgets").
type Ratelimit struct {
	Address string `yaml:"address"`
	// Domain is the rate-limit domain; the service's config must declare it.
	Domain string `yaml:"domain"`
	// Timeout bounds each check call.
	Timeout string `yaml:"timeout"`
	// FailureMode is what a failed check does: open (the request goes on) or closed (503).
	FailureMode string `yaml:"failure_mode"`
}

// Budget is one declared budget; internal/budget documents the semantics.
type Budget struct {
	Name string `yaml:"name"`
	Per  string `yaml:"per"`
	// USD and Tokens: exactly one is written.
	USD    *float64 `yaml:"usd"`
	Tokens *int64   `yaml:"tokens"`
	Window string   `yaml:"window"`
	Models []string `yaml:"models"`
	Teams  []string `yaml:"teams"`
	Shadow bool     `yaml:"shadow"`
}

// Ratelimit defaults.
const (
	DefaultRatelimitTimeout = "200ms"
	DefaultFailureMode      = string(budget.FailOpen)
)

func (r *Ratelimit) applyDefaults() {
	if r == nil {
		return
	}
	if r.Domain == "" {
		r.Domain = budget.DefaultDomain
	}
	if r.Timeout == "" {
		r.Timeout = DefaultRatelimitTimeout
	}
	if r.FailureMode == "" {
		r.FailureMode = DefaultFailureMode
	}
}

// BudgetList is the declared budgets in internal/budget's terms.
func (f *File) BudgetList() []budget.Budget {
	out := make([]budget.Budget, len(f.Budgets))
	for i, b := range f.Budgets {
		out[i] = budget.Budget{Name: b.Name, Per: budget.Per(b.Per), Window: budget.Window(b.Window),
			Models: b.Models, Teams: b.Teams, Shadow: b.Shadow}
		if b.USD != nil {
			out[i].USD = *b.USD
		}
		if b.Tokens != nil {
			out[i].Tokens = *b.Tokens
		}
	}
	return out
}

// knownTeams is every team the keys name; with no keys, none (an empty, non-nil list),
// since every request then has the team "".
func (f *File) knownTeams() []string {
	teams := []string{}
	for _, k := range f.Keys {
		teams = append(teams, k.Team)
	}
	return teams
}

// BudgetSet compiles the budgets (nil when there are none). The file was validated, so
// an error here is a bug.
func (f *File) BudgetSet() (*budget.Set, error) {
	if len(f.Budgets) == 0 {
		return nil, nil
	}
	set, problems := budget.Compile(f.BudgetList(), f.knownTeams())
	if len(problems) > 0 {
		return nil, fmt.Errorf("budgets[%d]: %s", problems[0].Index, problems[0])
	}
	return set, nil
}

// budgetProblems validates the ratelimit section and the budgets; each problem names
// its line in data (see lines.go).
func (f *File) budgetProblems(data []byte) []string {
	var out []string
	lines := newLineFinder(data)
	add := func(path, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s (line %d): %s", f.namedBudgetPath(path), lines.line(path), fmt.Sprintf(format, args...)))
	}
	if r := f.Ratelimit; r != nil {
		if _, _, err := net.SplitHostPort(r.Address); r.Address == "" {
			add("ratelimit.address", "is required (host:port of the rate-limit service's gRPC port)")
		} else if err != nil {
			add("ratelimit.address", "bad address %q (want host:port)", r.Address)
		}
		if d, err := time.ParseDuration(r.Timeout); err != nil || d <= 0 {
			add("ratelimit.timeout", "bad duration %q", r.Timeout)
		}
		switch budget.FailureMode(r.FailureMode) {
		case budget.FailOpen, budget.FailClosed:
		default:
			add("ratelimit.failure_mode", "%q is not one of open, closed", r.FailureMode)
		}
	}
	if len(f.Budgets) == 0 {
		return out
	}
	if f.Ratelimit == nil {
		add("budgets", "a ratelimit section is required: the rate-limit service keeps the budgets' counters")
	}
	// Problems in budget order: those the file shows (which keys were written), then
	// internal/budget's, which reads a zero as unset.
	type problem struct {
		index     int
		path, msg string
	}
	var ps []problem
	list := f.BudgetList()
	for i, b := range f.Budgets {
		at := fmt.Sprintf("budgets[%d]", i)
		switch {
		case b.USD != nil && b.Tokens != nil:
			if *b.USD != 0 && *b.Tokens != 0 {
				continue // budget.Validate says it
			}
			ps = append(ps, problem{i, at, "set one of usd and tokens, not both"})
		case b.USD != nil && *b.USD == 0:
			ps = append(ps, problem{i, at + ".usd", "must be positive"})
		case b.Tokens != nil && *b.Tokens == 0:
			ps = append(ps, problem{i, at + ".tokens", "must be positive"})
		default:
			continue
		}
		list[i].USD, list[i].Tokens = 0, 1 // reported: keep Validate from saying it again
	}
	_, problems := budget.Compile(list, f.knownTeams())
	for _, p := range problems {
		path := fmt.Sprintf("budgets[%d]", p.Index)
		if p.Field != "" {
			path += "." + p.Field
		}
		ps = append(ps, problem{p.Index, path, p.Msg})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].index < ps[j].index })
	for _, p := range ps {
		add(p.path, "%s", p.msg)
	}
	return out
}

// namedBudgetPath adds the budget's name to a path under budgets[i], as provider errors
// name theirs: "budgets[1] (team-daily).usd".
func (f *File) namedBudgetPath(path string) string {
	var i int
	if n, _ := fmt.Sscanf(path, "budgets[%d]", &i); n != 1 || i < 0 || i >= len(f.Budgets) || f.Budgets[i].Name == "" {
		return path
	}
	prefix := fmt.Sprintf("budgets[%d]", i)
	return fmt.Sprintf("%s (%s)%s", prefix, f.Budgets[i].Name, path[len(prefix):])
}
