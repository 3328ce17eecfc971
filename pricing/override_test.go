package pricing

import (
	"math"
	"strings"
	"testing"
)

func TestLayering(t *testing.T) {
	builtin := map[string]Entry{
		"a": {Spec: Spec{Input: f64(1), Output: f64(2), CacheRead: f64(0.1)}},
		"b": {Spec: Spec{Input: f64(1), Output: f64(2)}, Tiers: []TierSpec{{AboveInputTokens: 10, Spec: Spec{Input: f64(5)}}}},
		"c": price("", 1, 2),
	}
	file := map[string]Entry{
		"b": price("", 3, 4), // replaces the built-in entry as a whole: no tiers
		"d": price("", 7, 8),
	}
	ov := Overrides{
		"a": {Output: f64(20)},                       // one field over the built-in
		"d": {CacheWrite1h: f64(9)},                  // one field over the file
		"e": {Input: f64(11), Output: f64(12)},       // a model no layer below knows
		"c": {CacheRead: f64(0), CacheWrite: f64(0)}, // zero is a price, not "unset"
	}
	tb, err := build(builtin, file, ov)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key    string
		source Source
		want   Rates
		tiers  int
	}{
		{"a", SourceOverride, Rates{Input: 1, Output: 20, CacheRead: 0.1, CacheWrite: 1, CacheWrite1h: 1, Reasoning: 20}, 0},
		{"b", SourceFile, Rates{Input: 3, Output: 4, CacheRead: 3, CacheWrite: 3, CacheWrite1h: 3, Reasoning: 4}, 0},
		{"c", SourceOverride, Rates{Input: 1, Output: 2, CacheRead: 0, CacheWrite: 0, CacheWrite1h: 0, Reasoning: 2}, 0},
		{"d", SourceOverride, Rates{Input: 7, Output: 8, CacheRead: 7, CacheWrite: 7, CacheWrite1h: 9, Reasoning: 8}, 0},
		{"e", SourceOverride, Rates{Input: 11, Output: 12, CacheRead: 11, CacheWrite: 11, CacheWrite1h: 11, Reasoning: 12}, 0},
	} {
		p, m, ok := tb.Lookup(tc.key)
		if !ok || m.Source != tc.source || p.Rates != tc.want || len(p.Tiers) != tc.tiers {
			t.Errorf("%s: %+v from %s (ok %v), want %+v from %s", tc.key, p.Rates, m.Source, ok, tc.want, tc.source)
		}
	}
	if tb.Len() != 5 || strings.Join(tb.Keys(), ",") != "a,b,c,d,e" {
		t.Errorf("keys = %v", tb.Keys())
	}
	// The layers below are left untouched.
	if *builtin["a"].Output != 2 || builtin["a"].CacheWrite1h != nil {
		t.Errorf("override modified the built-in entry: %+v", builtin["a"])
	}
}

func TestOverrideErrors(t *testing.T) {
	if _, err := build(nil, nil, Overrides{"new": {Input: f64(1)}}); err == nil || !strings.Contains(err.Error(), `"new"`) {
		t.Errorf("override of an unknown model without output: err = %v", err)
	}
	if _, err := build(nil, map[string]Entry{"m": price("", 1, 1)}, Overrides{"m": {Input: f64(-1)}}); err == nil || !strings.Contains(err.Error(), `"m"`) {
		t.Errorf("negative override: err = %v", err)
	}
	err := Overrides{
		"ok":    {Input: f64(1)},
		"empty": {},
		"nan":   {Output: f64(math.NaN())},
		"neg":   {CacheWrite1h: f64(-2)},
	}.Validate()
	if err == nil {
		t.Fatal("Validate succeeded")
	}
	for _, want := range []string{`["empty"]: no price given`, `["nan"]: output`, `["neg"]: cache_write_1h`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), `"ok"`) {
		t.Errorf("Validate reports a good override: %v", err)
	}
}
