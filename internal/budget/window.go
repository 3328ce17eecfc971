package budget

import (
	"time"

	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
)

// period is the calendar period of w holding t (UTC): its name, as sent in the
// descriptor's `period` entry, and its start and end.
func period(w Window, t time.Time) (name string, start, end time.Time) {
	t = t.UTC()
	y, m, d := t.Date()
	switch w {
	case Minute:
		start = t.Truncate(time.Minute)
		return start.Format("2006-01-02T15:04"), start, start.Add(time.Minute)
	case Hour:
		start = t.Truncate(time.Hour)
		return start.Format("2006-01-02T15"), start, start.Add(time.Hour)
	case Day:
		start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01-02"), start, start.AddDate(0, 0, 1)
	default: // Month
		start = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01"), start, start.AddDate(0, 1, 0)
	}
}

// serviceUnit is the unit sent with a window's limit override: the service's
// epoch-aligned window of that unit must hold the whole calendar period, so that the
// counter named by the period entry is one counter from the period's start to its end.
// Minutes, hours and days coincide with the service's; a month needs YEAR (its MONTH is
// 30 days). See the package comment.
func serviceUnit(w Window) typev3.RateLimitUnit {
	switch w {
	case Minute:
		return typev3.RateLimitUnit_MINUTE
	case Hour:
		return typev3.RateLimitUnit_HOUR
	case Day:
		return typev3.RateLimitUnit_DAY
	default:
		return typev3.RateLimitUnit_YEAR
	}
}

// yearSeconds is the service's YEAR: 365 days, windows aligned to the Unix epoch.
const yearSeconds = 365 * 24 * 60 * 60

// YearBoundary returns the instant, if any, at which the service's YEAR window changes
// inside the calendar month holding t. A month budget's counter restarts then: usage
// before it is forgotten for the rest of that month. It happens in one month a year
// (mid-December in the 2020s), and is reported so that it can be logged or shown.
func YearBoundary(t time.Time) (time.Time, bool) {
	_, start, end := period(Month, t)
	b := (end.Unix() - 1) / yearSeconds * yearSeconds
	if b > start.Unix() {
		return time.Unix(b, 0).UTC(), true
	}
	return time.Time{}, false
}
