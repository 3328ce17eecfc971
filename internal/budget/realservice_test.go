package budget

import (
	"testing"

	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

// startReal starts envoyproxy/ratelimit's service_cmd on Debian's redis-server, with
// the config RatelimitConfig gives for domain (budgettest.StartReal: skipped when the
// binaries are absent, unless TOLLGATE_REQUIRE_RATELIMIT=1).
func startReal(tb testing.TB, domain string) *budgettest.Real {
	tb.Helper()
	return budgettest.StartReal(tb, domain, RatelimitConfig(domain))
}
