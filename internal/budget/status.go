package budget

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Message is the text of a refusal for the client's error body: it names the budget
// and says when it resets.
func (s *Status) Message() string {
	return fmt.Sprintf("budget %q is spent (%s per %s %s); it resets at %s",
		s.Budget, s.amount(s.Limit), s.Window, s.whose(), s.Reset.UTC().Format(time.RFC3339))
}

// RetryAfterSeconds is the `retry-after` value: whole seconds until the reset, at
// least 1.
func (s *Status) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(s.RetryAfter.Seconds())))
}

func (s *Status) amount(v float64) string {
	if s.Tokens {
		return strconv.FormatFloat(v, 'f', 0, 64) + " tokens"
	}
	digits := 2
	if math.Round(v*100) != v*100 { // finer than a cent: up to the unit, 1e-4
		digits = 4
	}
	return "$" + strconv.FormatFloat(v, 'f', digits, 64)
}

func (s *Status) whose() string {
	switch {
	case s.Per == PerAll:
		return "for everyone"
	case s.Scope == "":
		return "for requests without a " + string(s.Per)
	}
	return "for " + string(s.Per) + " " + s.Scope
}
