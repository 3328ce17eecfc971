package gateway

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/pricing"
)

// overrides converts the config's negotiated prices.
func overrides(l *config.Loaded) pricing.Overrides {
	if len(l.Pricing.Overrides) == 0 {
		return nil
	}
	out := make(pricing.Overrides, len(l.Pricing.Overrides))
	for k, v := range l.Pricing.Overrides {
		out[k] = pricing.Override(v)
	}
	return out
}

// setupPricing builds the first price table (built-in < pricing.url < overrides) and the
// refresher that keeps it current. The first fetch of pricing.url happens in Serve, so
// a price source that is down never stops tollgate from starting: the built-in table
// serves until it answers.
func (g *Gateway) setupPricing(l *config.Loaded) error {
	ov := overrides(l)
	t, err := pricing.NewTable(nil, ov)
	if err != nil {
		return fmt.Errorf("pricing.overrides: %w", err)
	}
	g.prices = pricing.NewStore(t)
	g.refresher, err = pricing.NewRefresher(pricing.RefresherOptions{
		Source:     l.Pricing.URL,
		Interval:   config.Duration(l.Pricing.Refresh),
		Timeout:    config.Duration(l.Pricing.Timeout),
		Overrides:  ov,
		Store:      g.prices,
		Logger:     g.log,
		Registerer: g.reg,
	})
	return err
}

// reloadPricing applies a reloaded config's overrides. The price source itself is fixed
// for the life of the process (pricing.url, refresh and timeout are restart-only; Reload
// warns when they change).
func (g *Gateway) reloadPricing(l *config.Loaded) error {
	return g.refresher.SetOverrides(overrides(l))
}

func (g *Gateway) runPricing(ctx context.Context) { g.refresher.Run(ctx) }
