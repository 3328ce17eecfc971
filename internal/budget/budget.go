package budget

import (
	"fmt"
	"math"
	"strings"

	"github.com/tollgate/tollgate/internal/routing"
)

// Per is whose counter a budget keeps.
type Per string

// The values of `per`.
const (
	PerTeam Per = "team" // one counter per team
	PerKey  Per = "key"  // one counter per client key (its name)
	PerAll  Per = "all"  // one counter for everyone
)

// Window is a budget's calendar window, in UTC.
type Window string

// The values of `window`.
const (
	Minute Window = "minute"
	Hour   Window = "hour"
	Day    Window = "day"
	Month  Window = "month"
)

// Budget is one declared budget, as a config loader decodes it.
type Budget struct {
	Name string
	Per  Per
	// USD and Tokens: exactly one is set (non-zero).
	USD    float64
	Tokens int64
	Window Window
	// Models, when set, are the client models (exact or `*` globs) that count and are
	// checked; others pass by this budget.
	Models []string
	// Teams, when set, are the only teams the budget applies to.
	Teams []string
	// Shadow budgets are counted and reported, never refused.
	Shadow bool
}

// USDUnit is the USD value of one counted unit: 1e-4 USD, a hundredth of a cent.
const USDUnit = 1e-4

// unitsPerUSD is 1/USDUnit.
const unitsPerUSD = 10000

// MaxUSD and MaxTokens are the largest limits the service's uint32 counter holds.
const (
	MaxUSD    = math.MaxUint32 / float64(unitsPerUSD) // $429,496.7295
	MaxTokens = math.MaxUint32
)

// Problem is one thing wrong with a budget. Field is the YAML key it is about ("" for
// the budget as a whole; "models[1]" for a list element), so that a config loader can
// find its line; Index is the budget's position in the list given to Compile.
type Problem struct {
	Index int
	Field string
	Msg   string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Msg
	}
	return p.Field + ": " + p.Msg
}

// Validate returns every problem of one budget on its own (Compile adds those between
// budgets: duplicate names, unknown teams). Problems carry Index 0.
func (b *Budget) Validate() []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case b.Name == "":
		add("name", "is required")
	case strings.ContainsAny(b.Name, "\x00\n\r\t"):
		add("name", "%q holds a control character", b.Name)
	}
	switch b.Per {
	case PerTeam, PerKey, PerAll:
	case "":
		add("per", "is required (team, key or all)")
	default:
		add("per", "%q is not one of team, key, all", b.Per)
	}
	switch b.Window {
	case Minute, Hour, Day, Month:
	case "":
		add("window", "is required (minute, hour, day or month)")
	default:
		add("window", "%q is not one of minute, hour, day, month", b.Window)
	}
	switch {
	case b.USD != 0 && b.Tokens != 0:
		add("", "set one of usd and tokens, not both")
	case b.USD == 0 && b.Tokens == 0:
		add("", "one of usd and tokens is required (and must be positive)")
	case b.USD != 0:
		if msg := checkUSD(b.USD); msg != "" {
			add("usd", "%s", msg)
		}
	default:
		if msg := checkTokens(b.Tokens); msg != "" {
			add("tokens", "%s", msg)
		}
	}
	for i, m := range b.Models {
		if err := routing.Check(m); err != nil {
			add(fmt.Sprintf("models[%d]", i), "%v", err)
		}
	}
	for i, t := range b.Teams {
		if t == "" {
			add(fmt.Sprintf("teams[%d]", i), "empty team name")
		}
	}
	return out
}

func checkUSD(usd float64) string {
	switch {
	case math.IsNaN(usd) || math.IsInf(usd, 0):
		return fmt.Sprintf("%v is not a number of dollars", usd)
	case usd < 0:
		return fmt.Sprintf("%v is negative", usd)
	case usdUnits(usd) == 0:
		return fmt.Sprintf("%v is below the smallest unit counted ($%g)", usd, USDUnit)
	case usdUnits(usd) > math.MaxUint32:
		return fmt.Sprintf("%v does not fit the rate-limit service's counter: at most %.4f "+
			"(a uint32 of $%g units)", usd, MaxUSD, USDUnit)
	}
	return ""
}

func checkTokens(n int64) string {
	switch {
	case n < 0:
		return fmt.Sprintf("%d is negative", n)
	case n > MaxTokens:
		return fmt.Sprintf("%d does not fit the rate-limit service's counter: at most %d (a uint32)", n, int64(MaxTokens))
	}
	return ""
}

// usdUnits is a USD amount in units, rounded to the nearest (half up); values too big
// for a uint32 saturate just above it so that callers can tell.
func usdUnits(usd float64) uint64 {
	u := math.Floor(usd*unitsPerUSD + 0.5)
	if u > math.MaxUint32 {
		return math.MaxUint32 + 1
	}
	return uint64(u)
}
