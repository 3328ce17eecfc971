package pricing

import (
	"math"
	"strconv"
	"testing"
)

func f64(v float64) *float64 { return &v }

// near reports whether two USD amounts agree to within floating-point rounding.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// mustBuild builds a table from file entries only (no built-in layer).
func mustBuild(t testing.TB, file map[string]Entry, ov Overrides) *Table {
	t.Helper()
	tb, err := build(nil, file, ov)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// price returns an Entry with just input and output prices.
func price(provider string, in, out float64) Entry {
	return Entry{Provider: provider, Spec: Spec{Input: f64(in), Output: f64(out)}}
}

func itoa(n int64) string   { return strconv.FormatInt(n, 10) }
func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
