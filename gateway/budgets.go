package gateway

import (
	"context"
	"reflect"
	"time"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
)

// The budgets themselves are part of each config's Runtime and reload with it. The
// rate-limit service that keeps their counters is the process's: its connection, its
// charge queue and workers, and the settings they were made with (address, domain,
// timeout, failure_mode). It is dialled with the first config that has a ratelimit
// section — at start, or at the reload that adds one — and changes to that section
// afterwards take effect at the next restart: a reload that makes one says so in a
// warning and applies the rest of the file. (Redialling on reload would have to close
// the old connection under streams still charging to it.)

// dialBudgets dials the rate-limit service of l's ratelimit section when none was
// dialled yet; it warns when the section differs from the one running. Called with
// reloadMu held (or before serving).
func (g *Gateway) dialBudgets(l *config.Loaded) error {
	r := l.Ratelimit
	switch {
	case r == nil:
		return nil
	case g.budgets != nil:
		if *r != g.ratelimit {
			g.log.Warn("ratelimit settings changed; they take effect at the next restart (the budgets reload)",
				"running_address", g.ratelimit.Address, "running_domain", g.ratelimit.Domain,
				"running_timeout", g.ratelimit.Timeout, "running_failure_mode", g.ratelimit.FailureMode,
				"file_address", r.Address, "file_domain", r.Domain, "file_timeout", r.Timeout, "file_failure_mode", r.FailureMode)
		}
		return nil
	}
	svc, err := budget.Dial(r.Address, budget.Options{
		Domain: r.Domain, Timeout: config.Duration(r.Timeout), FailureMode: budget.FailureMode(r.FailureMode),
		Observer: g.metrics.Budget, Logger: g.log, Now: g.opts.Now,
	})
	if err != nil {
		return err
	}
	g.budgets, g.ratelimit = svc, *r
	if g.server != nil {
		g.server.SetBudgets(svc)
	}
	g.log.Info("budgets: rate-limit service", "address", r.Address, "domain", r.Domain,
		"timeout", r.Timeout, "failure_mode", r.FailureMode)
	return nil
}

// budgetsCommitted runs when l becomes the running config, prev the one it replaces
// (nil at start): the gauges of a budget removed or changed are dropped (a stale
// remaining would read as current), and a month budget's counter restart inside the
// current month (internal/budget's YearBoundary) is announced.
func (g *Gateway) budgetsCommitted(prev, l *config.Loaded) {
	if prev != nil {
		now := map[string]config.Budget{}
		for _, b := range l.Budgets {
			now[b.Name] = b
		}
		for _, b := range prev.Budgets {
			if nb, ok := now[b.Name]; !ok || !reflect.DeepEqual(nb, b) {
				g.metrics.Budget.Forget(b.Name)
			}
		}
	}
	clock := g.opts.Now
	if clock == nil {
		clock = time.Now
	}
	at, ok := budget.YearBoundary(clock())
	if !ok {
		return
	}
	var months []string
	for _, b := range l.Budgets {
		if b.Window == string(budget.Month) {
			months = append(months, b.Name)
		}
	}
	if len(months) > 0 {
		g.log.Warn("month budgets restart their counters once this month, when the rate-limit service's 365-day window turns (see the README's Budgets)",
			"budgets", months, "at", at)
	}
}

// closeBudgets sends the charges still queued (until ctx ends) and closes the
// connection.
func (g *Gateway) closeBudgets(ctx context.Context) {
	if g.budgets == nil {
		return
	}
	if err := g.budgets.Close(ctx); err != nil {
		g.log.Warn("budgets: closing the rate-limit service", "err", err)
	}
}
