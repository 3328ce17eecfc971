package pricing

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestBuiltinMatchesPriceFile checks every built-in entry against the LiteLLM file it was
// generated from: the same prices, tiers and provider.
func TestBuiltinMatchesPriceFile(t *testing.T) {
	file, _, err := ParseLiteLLM(readReal(t))
	if err != nil {
		t.Fatal(err)
	}
	builtin := BuiltinEntries()
	if len(builtin) < 300 {
		t.Fatalf("built-in table has %d models", len(builtin))
	}
	for k, b := range builtin {
		f, ok := file[k]
		if !ok {
			t.Errorf("%s: built in but not in the price file", k)
			continue
		}
		if !reflect.DeepEqual(b, f) {
			t.Errorf("%s:\n built-in %s\n file     %s", k, specString(b), specString(f))
		}
	}
	if !strings.Contains(BuiltinSource(), "LiteLLM") {
		t.Errorf("source note = %q", BuiltinSource())
	}
}

func specString(e Entry) string {
	s := e.Provider + " " + ratesString(e.Spec)
	for _, t := range e.Tiers {
		s += " | >" + itoa(t.AboveInputTokens) + " " + ratesString(t.Spec)
	}
	return s
}

func ratesString(s Spec) string {
	var b strings.Builder
	s.each(func(_ Fields, name string, v **float64) {
		if *v != nil {
			b.WriteString(name + "=" + ftoa(**v) + " ")
		}
	})
	return b.String()
}

// TestBuiltinSample checks a sample of built-in prices against values read off the
// providers' price pages (USD per million tokens).
func TestBuiltinSample(t *testing.T) {
	tb, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key                           string
		in, out, read, write, write1h float64
		tierAbove                     int64
		tierIn, tierOut               float64
	}{
		{"claude-sonnet-4-5", 3, 15, 0.3, 3.75, 6, 200_000, 6, 22.5},
		{"claude-haiku-4-5", 1, 5, 0.1, 1.25, 2, 0, 0, 0},
		{"claude-opus-4-5", 5, 25, 0.5, 6.25, 10, 0, 0, 0},
		{"anthropic.claude-sonnet-4-5-20250929-v1:0", 3, 15, 0.3, 3.75, 6, 200_000, 6, 22.5},
		{"jp.anthropic.claude-sonnet-4-5-20250929-v1:0", 3.3, 16.5, 0.33, 4.125, 6.6, 200_000, 6.6, 24.75},
		{"global.anthropic.claude-sonnet-4-5-20250929-v1:0", 3, 15, 0.3, 3.75, 6, 200_000, 6, 22.5},
		{"vertex_ai/claude-sonnet-4-5@20250929", 3, 15, 0.3, 3.75, 6, 200_000, 6, 22.5},
		{"gpt-4o", 2.5, 10, 1.25, 2.5, 2.5, 0, 0, 0},
		{"gpt-4.1", 2, 8, 0.5, 2, 2, 0, 0, 0},
		{"gpt-5.1", 1.25, 10, 0.125, 1.25, 1.25, 0, 0, 0},
		{"azure/gpt-5.1", 1.25, 10, 0.125, 1.25, 1.25, 0, 0, 0},
		{"o3", 2, 8, 0.5, 2, 2, 0, 0, 0},
		{"gemini/gemini-2.5-pro", 1.25, 10, 0.125, 1.25, 1.25, 200_000, 2.5, 15},
	} {
		p, m, ok := tb.Lookup(tc.key)
		if !ok || m.Source != SourceBuiltin {
			t.Errorf("%s: not built in (%v %+v)", tc.key, ok, m)
			continue
		}
		got := [5]float64{p.Input, p.Output, p.CacheRead, p.CacheWrite, p.CacheWrite1h}
		want := [5]float64{tc.in, tc.out, tc.read, tc.write, tc.write1h}
		if got != want {
			t.Errorf("%s: in/out/read/write/write1h = %v, want %v", tc.key, got, want)
		}
		if tc.tierAbove == 0 {
			if len(p.Tiers) != 0 {
				t.Errorf("%s: tiers %+v, want none", tc.key, p.Tiers)
			}
			continue
		}
		if len(p.Tiers) != 1 || p.Tiers[0].AboveInputTokens != tc.tierAbove || p.Tiers[0].Input != tc.tierIn || p.Tiers[0].Output != tc.tierOut {
			t.Errorf("%s: tiers %+v, want above %d in %v out %v", tc.key, p.Tiers, tc.tierAbove, tc.tierIn, tc.tierOut)
		}
	}
}

// TestBuiltinCoverage checks that the built-in table holds every model family the
// issue lists, including every Bedrock cross-region variant the price file has.
func TestBuiltinCoverage(t *testing.T) {
	file, _, err := ParseLiteLLM(readReal(t))
	if err != nil {
		t.Fatal(err)
	}
	builtin := BuiltinEntries()
	crossRegion := regexp.MustCompile(`^(us|eu|apac|jp|au|global)\.anthropic\.claude-.*(opus|sonnet|haiku)-4`)
	for k := range file {
		if crossRegion.MatchString(k) {
			if _, ok := builtin[k]; !ok {
				t.Errorf("%s: Bedrock cross-region Claude 4 id not built in", k)
			}
		}
	}
	for _, pattern := range []string{
		`^claude-(opus|sonnet|haiku)-4`, `^claude-3-`,
		`^us\.anthropic\.`, `^eu\.anthropic\.`, `^apac\.anthropic\.`, `^jp\.anthropic\.`, `^au\.anthropic\.`, `^global\.anthropic\.`,
		`^anthropic\.claude-`, `^vertex_ai/claude-.*@\d{8}$`,
		`^gpt-5\.\d`, `^gpt-4\.1`, `^gpt-4o`, `^o[34]`, `^azure/gpt-5`, `^azure/gpt-4o`, `^azure/o3`,
		`^gemini/gemini-2\.5`, `^gemini/gemini-3`, `^gemini-2\.5`, `^vertex_ai/gemini-3`,
	} {
		re := regexp.MustCompile(pattern)
		found := false
		for k := range builtin {
			if re.MatchString(k) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no built-in model matches %s", pattern)
		}
	}
}
