package budget

import (
	"testing"
	"time"

	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
)

func TestPeriod(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 59, 30, 5, time.FixedZone("CET", 3600)) // 22:59:30 UTC
	for _, tc := range []struct {
		w          Window
		name       string
		start, end string
	}{
		{Minute, "2026-12-31T22:59", "2026-12-31T22:59:00Z", "2026-12-31T23:00:00Z"},
		{Hour, "2026-12-31T22", "2026-12-31T22:00:00Z", "2026-12-31T23:00:00Z"},
		{Day, "2026-12-31", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"},
		{Month, "2026-12", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	} {
		name, start, end := period(tc.w, at)
		if name != tc.name || start.Format(time.RFC3339) != tc.start || end.Format(time.RFC3339) != tc.end {
			t.Errorf("%s: %s [%s, %s), want %s [%s, %s)", tc.w, name, start.Format(time.RFC3339), end.Format(time.RFC3339), tc.name, tc.start, tc.end)
		}
	}
	if name, _, end := period(Month, time.Date(2028, 2, 10, 0, 0, 0, 0, time.UTC)); name != "2028-02" || end.Day() != 1 || end.Month() != 3 {
		t.Errorf("February 2028: %s until %v", name, end)
	}
}

// unitSeconds is envoyproxy/ratelimit's utils.UnitToDivider.
var unitSeconds = map[typev3.RateLimitUnit]int64{
	typev3.RateLimitUnit_MINUTE: 60, typev3.RateLimitUnit_HOUR: 3600, typev3.RateLimitUnit_DAY: 86400,
	typev3.RateLimitUnit_MONTH: 30 * 86400, typev3.RateLimitUnit_YEAR: 365 * 86400,
}

// sameWindow reports whether the service's window of unit holds both instants (the
// service names a counter by its window's start: (now/divider)*divider).
func sameWindow(unit typev3.RateLimitUnit, a, b time.Time) bool {
	d := unitSeconds[unit]
	return a.Unix()/d == b.Unix()/d
}

// TestServiceWindowHoldsPeriod checks the calendar trick over 20 years: for minutes,
// hours and days, and for every month but the one holding a YearBoundary, the service's
// window of the unit sent holds the whole calendar period, so one counter spans it.
func TestServiceWindowHoldsPeriod(t *testing.T) {
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC)
	splitMonths, thirtyDayOK := 0, 0
	for at := from; at.Before(to); at = at.AddDate(0, 1, 0) {
		_, start, end := period(Month, at)
		last := end.Add(-time.Second)
		_, split := YearBoundary(at)
		if sameWindow(serviceUnit(Month), start, last) == split {
			t.Errorf("%s: YEAR window holds the month: %v, but YearBoundary says split: %v", at.Format("2006-01"), !split, split)
		}
		if split {
			splitMonths++
		}
		if sameWindow(typev3.RateLimitUnit_MONTH, start, last) {
			thirtyDayOK++
		}
	}
	if splitMonths != 20 {
		t.Errorf("%d split months in 20 years, want one a year", splitMonths)
	}
	// Why not the service's MONTH: its 30-day window almost never holds a calendar month.
	if thirtyDayOK > 10 {
		t.Errorf("the 30-day window held %d of 240 months; the package comment says almost none", thirtyDayOK)
	}
	for _, w := range []Window{Minute, Hour, Day} {
		for at := from; at.Before(from.AddDate(0, 0, 40)); at = at.Add(7 * time.Minute) {
			_, start, end := period(w, at)
			if !sameWindow(serviceUnit(w), start, end.Add(-time.Nanosecond)) || sameWindow(serviceUnit(w), start, end) {
				t.Fatalf("%s at %v: the service's window is not the calendar period", w, at)
			}
		}
	}
}

func TestYearBoundary(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), "2026-12-18T00:00:00Z"},
		{time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), "2027-12-18T00:00:00Z"},
		{time.Date(2028, 12, 1, 0, 0, 0, 0, time.UTC), "2028-12-17T00:00:00Z"},
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), ""},
	} {
		b, ok := YearBoundary(tc.at)
		got := ""
		if ok {
			got = b.Format(time.RFC3339)
		}
		if got != tc.want {
			t.Errorf("%v: %q, want %q", tc.at, got, tc.want)
		}
	}
}
