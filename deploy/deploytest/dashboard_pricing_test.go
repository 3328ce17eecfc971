package deploytest

import (
	"strings"
	"testing"
)

// TestDashboardPriceAgeIgnoresNeverLoaded: the price table age panel leaves out a
// timestamp of 0 (a pricing.url that has not loaded since the start) instead of showing
// the time since 1970 — the quickstart's dashboard once read "56 years".
func TestDashboardPriceAgeIgnoresNeverLoaded(t *testing.T) {
	for _, p := range loadDashboard(t, dashboardPath).allPanels() {
		if p.Title != "Price table age" {
			continue
		}
		if len(p.Targets) != 1 || !strings.Contains(p.Targets[0].Expr, "tollgate_pricing_last_refresh_timestamp_seconds > 0") {
			t.Errorf("price table age: %+v", p.Targets)
		}
		return
	}
	t.Error("no \"Price table age\" panel")
}
