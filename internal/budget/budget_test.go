package budget

import (
	"math"
	"reflect"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Budget{Name: "team-daily", Per: PerTeam, USD: 200, Window: Day}
	with := func(f func(*Budget)) Budget { b := ok; f(&b); return b }
	for _, tc := range []struct {
		name string
		b    Budget
		want []string
	}{
		{"valid", ok, nil},
		{"valid tokens", with(func(b *Budget) { b.USD, b.Tokens = 0, 1_000_000 }), nil},
		{"largest usd", with(func(b *Budget) { b.USD = 429496.7295 }), nil},
		{"largest tokens", with(func(b *Budget) { b.USD, b.Tokens = 0, math.MaxUint32 }), nil},
		{"smallest usd", with(func(b *Budget) { b.USD = 0.0001 }), nil},
		{"no name", with(func(b *Budget) { b.Name = "" }), []string{"name: is required"}},
		{"bad per", with(func(b *Budget) { b.Per = "org" }), []string{`per: "org" is not one of team, key, all`}},
		{"no per", with(func(b *Budget) { b.Per = "" }), []string{"per: is required (team, key or all)"}},
		{"bad window", with(func(b *Budget) { b.Window = "week" }), []string{`window: "week" is not one of minute, hour, day, month`}},
		{"no window", with(func(b *Budget) { b.Window = "" }), []string{"window: is required (minute, hour, day or month)"}},
		{"both", with(func(b *Budget) { b.Tokens = 5 }), []string{"set one of usd and tokens, not both"}},
		{"neither (zero)", with(func(b *Budget) { b.USD = 0 }), []string{"one of usd and tokens is required (and must be positive)"}},
		{"negative usd", with(func(b *Budget) { b.USD = -5 }), []string{"usd: -5 is negative"}},
		{"negative tokens", with(func(b *Budget) { b.USD, b.Tokens = 0, -1 }), []string{"tokens: -1 is negative"}},
		{"tiny usd", with(func(b *Budget) { b.USD = 0.00004 }), []string{"usd: 4e-05 is below the smallest unit counted ($0.0001)"}},
		{"huge usd", with(func(b *Budget) { b.USD = 1e12 }), []string{
			"usd: 1e+12 does not fit the rate-limit service's counter: at most 429496.7295 (a uint32 of $0.0001 units)"}},
		{"usd just over uint32", with(func(b *Budget) { b.USD = 429496.72955 }), []string{
			"usd: 429496.72955 does not fit the rate-limit service's counter: at most 429496.7295 (a uint32 of $0.0001 units)"}},
		{"NaN usd", with(func(b *Budget) { b.USD = math.NaN() }), []string{"usd: NaN is not a number of dollars"}},
		{"Inf usd", with(func(b *Budget) { b.USD = math.Inf(1) }), []string{"usd: +Inf is not a number of dollars"}},
		{"huge tokens", with(func(b *Budget) { b.USD, b.Tokens = 0, math.MaxUint32+1 }), []string{
			"tokens: 4294967296 does not fit the rate-limit service's counter: at most 4294967295 (a uint32)"}},
		{"bad glob", with(func(b *Budget) { b.Models = []string{"claude-*", "gpt-[45]"} }), []string{
			`models[1]: bad glob "gpt-[45]": "[" is not supported (only * is)`}},
		{"empty team", with(func(b *Budget) { b.Teams = []string{""} }), []string{"teams[0]: empty team name"}},
		{"every problem at once", Budget{USD: -1, Tokens: 1}, []string{
			"name: is required", "per: is required (team, key or all)",
			"window: is required (minute, hour, day or month)", "set one of usd and tokens, not both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range tc.b.Validate() {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCompileAcrossBudgets(t *testing.T) {
	bs := []Budget{
		{Name: "a", Per: PerTeam, USD: 1, Window: Day, Teams: []string{"platform"}},
		{Name: "a", Per: PerTeam, USD: 1, Window: Day},
		{Name: "b", Per: PerKey, Tokens: 10, Window: Hour, Teams: []string{"platfrom"}},
	}
	s, problems := Compile(bs, []string{"platform", "data"})
	if s != nil {
		t.Error("a Set despite problems")
	}
	want := []Problem{
		{Index: 1, Field: "name", Msg: `duplicate budget name "a"`},
		{Index: 2, Field: "teams[0]", Msg: `unknown team "platfrom" (no key names it)`},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("got  %v\nwant %v", problems, want)
	}
	// Without known teams (no keys section to check against), teams are not checked.
	if _, problems := Compile(bs[2:], nil); problems != nil {
		t.Errorf("unexpected %v", problems)
	}
}

func TestCompiledLimits(t *testing.T) {
	s := mustCompile(t,
		Budget{Name: "usd", Per: PerAll, USD: 200, Window: Month},
		Budget{Name: "cents", Per: PerAll, USD: 0.07, Window: Day},
		Budget{Name: "tok", Per: PerAll, Tokens: 5_000_000, Window: Minute},
		Budget{Name: "max", Per: PerAll, USD: 429496.7295, Window: Month},
	)
	for i, want := range []uint32{2_000_000, 700, 5_000_000, math.MaxUint32} {
		if got := s.rules[i].limit; got != want {
			t.Errorf("%s: limit %d units, want %d", s.rules[i].Name, got, want)
		}
	}
}
