package budget

import (
	"context"
	"strings"
	"testing"
)

// The request path as the gateway will run it, with no budget that applies: Begin,
// Check and Charge on what it returns.
func requestPath(s *Service, set *Set) {
	r := s.Begin(set, "platform", "alice", "claude-sonnet-4-5")
	if v := r.Check(context.Background()); v.Outcome != Allow {
		panic("refused")
	}
	r.Charge(1000, 0.01)
}

// zeroCases: no Service (no ratelimit section), no budgets, and budgets none of which
// applies to the request.
func zeroCases(tb testing.TB) map[string]func() {
	s := &Service{}
	others := mustCompile(tb,
		Budget{Name: "opus", Per: PerTeam, USD: 10, Window: Day, Models: []string{"claude-opus-*"}},
		Budget{Name: "data", Per: PerTeam, USD: 10, Window: Day, Teams: []string{"data"}},
	)
	return map[string]func(){
		"no service":      func() { requestPath(nil, others) },
		"nil set":         func() { requestPath(s, nil) },
		"empty set":       func() { requestPath(s, &Set{}) },
		"none applies":    func() { requestPath(s, others) },
		"nil request ops": func() { var r *Request; r.Check(context.Background()); r.Charge(1, 1) },
	}
}

func TestZeroBudgetsAllocateNothing(t *testing.T) {
	for name, f := range zeroCases(t) {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocations per request", name, n)
		}
	}
}

func BenchmarkZeroBudgets(b *testing.B) {
	for _, name := range []string{"nil set", "none applies"} {
		f := zeroCases(b)[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
	}
}

func TestRatelimitConfig(t *testing.T) {
	want := `# envoyproxy/ratelimit config for tollgate's budgets.
# tollgate sends each budget's limit with every descriptor (a limit override), so this
# file declares only the domain: budgets are configured in tollgate.yaml.
domain: "tollgate"
`
	if got := string(RatelimitConfig("")); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(RatelimitConfig("a \"b\"\n")); !strings.HasSuffix(got, "\ndomain: \"a \\\"b\\\"\\n\"\n") {
		t.Errorf("domain not quoted: %q", got)
	}
}
