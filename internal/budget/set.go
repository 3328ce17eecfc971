package budget

import (
	"fmt"

	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/tollgate/tollgate/internal/routing"
)

// rule is a compiled budget. It is immutable.
type rule struct {
	Budget
	limit  uint32 // in units: 1e-4 USD or tokens
	unit   typev3.RateLimitUnit
	models *routing.Router // nil: every model
	teams  map[string]bool // nil: every team
	name   string          // the budget name, escaped for a descriptor entry
}

// Set is the compiled budgets of one config. It is immutable and safe for concurrent
// use; a nil or empty Set has no budget.
type Set struct{ rules []*rule }

// Compile validates budgets and builds their Set. knownTeams, when not nil, is every
// team the config's keys name: a `teams` entry outside it is a problem. Problems carry
// the budget's index; the Set is nil when there is any.
func Compile(budgets []Budget, knownTeams []string) (*Set, []Problem) {
	var problems []Problem
	var known map[string]bool
	if knownTeams != nil {
		known = make(map[string]bool, len(knownTeams))
		for _, t := range knownTeams {
			known[t] = true
		}
	}
	names := map[string]bool{}
	s := &Set{}
	for i := range budgets {
		b := budgets[i]
		ps := b.Validate()
		if b.Name != "" && names[b.Name] {
			ps = append(ps, Problem{Field: "name", Msg: fmt.Sprintf("duplicate budget name %q", b.Name)})
		}
		names[b.Name] = true
		for j, t := range b.Teams {
			if known != nil && t != "" && !known[t] {
				ps = append(ps, Problem{Field: fmt.Sprintf("teams[%d]", j), Msg: fmt.Sprintf("unknown team %q (no key names it)", t)})
			}
		}
		for _, p := range ps {
			p.Index = i
			problems = append(problems, p)
		}
		if len(ps) == 0 {
			s.rules = append(s.rules, compile(b))
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return s, nil
}

// compile builds the rule of a valid budget.
func compile(b Budget) *rule {
	b.Models = append([]string(nil), b.Models...)
	b.Teams = append([]string(nil), b.Teams...)
	r := &rule{Budget: b, unit: serviceUnit(b.Window), name: escape(b.Name)}
	if b.Tokens > 0 {
		r.limit = uint32(b.Tokens)
	} else {
		r.limit = uint32(usdUnits(b.USD))
	}
	if len(b.Models) > 0 {
		rs := make([]routing.Rule, len(b.Models))
		for i, m := range b.Models {
			rs[i] = routing.Rule{Match: m}
		}
		r.models, _ = routing.New(rs) // patterns passed Validate
	}
	if len(b.Teams) > 0 {
		r.teams = make(map[string]bool, len(b.Teams))
		for _, t := range b.Teams {
			r.teams[t] = true
		}
	}
	return r
}

// Len is the number of budgets.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// applies reports whether r counts a request of this team for this client model.
func (r *rule) applies(team, model string) bool {
	if r.teams != nil && !r.teams[team] {
		return false
	}
	if r.models != nil {
		if _, ok := r.models.Resolve(model); !ok {
			return false
		}
	}
	return true
}

// scope is the counter's entry for a request: the key of the entry is r.Per, its value
// the team, the key name, or "all". An empty team or key name (no keys configured, or a
// key without a team) is its own counter, "%none", a value escape never yields.
func (r *rule) scope(team, key string) string {
	v := "all"
	switch r.Per {
	case PerTeam:
		v = team
	case PerKey:
		v = key
	}
	if v == "" {
		return "%none"
	}
	return escape(v)
}
