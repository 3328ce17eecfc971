package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/routing"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/pricing"
	"github.com/tollgate/tollgate/smoke"
)

func init() {
	register("prices", "print the resolved price of models and where it came from ([-config F] MODEL...)", runPrices)
}

// priceContext is a config's price table and routes, for commands that price models
// the way the gateway does.
type priceContext struct {
	table *pricing.Table
	// routes and providerType route models as the gateway does; nil without a config.
	routes       *routing.Router
	providerType func(name string) string
}

// loadPrices builds the table as `serve` would: built-in, then pricing.url (fetched
// once), then the overrides.
func loadPrices(ctx context.Context, cfgPath string) (*priceContext, error) {
	var l *config.Loaded
	if cfgPath != "" {
		var err error
		if l, err = config.LoadFileIgnoringUnset(cfgPath); err != nil {
			return nil, err
		}
	}
	return pricesOf(ctx, l)
}

// pricesOf is loadPrices for a config already loaded (nil: the built-in table alone).
func pricesOf(ctx context.Context, l *config.Loaded) (*priceContext, error) {
	pc := &priceContext{}
	var ov pricing.Overrides
	if l != nil {
		var err error
		if pc.routes, err = l.Router(); err != nil {
			return nil, err
		}
		pc.providerType = l.ProviderType
		ov = make(pricing.Overrides, len(l.Pricing.Overrides))
		for k, v := range l.Pricing.Overrides {
			ov[k] = pricing.Override(v)
		}
	}
	t, err := pricing.NewTable(nil, ov)
	if err != nil {
		return nil, err
	}
	store := pricing.NewStore(t)
	if l != nil && l.Pricing.URL != "" {
		r, err := pricing.NewRefresher(pricing.RefresherOptions{Source: l.Pricing.URL, Store: store, Overrides: ov,
			Timeout: config.Duration(l.Pricing.Timeout)})
		if err != nil {
			return nil, err
		}
		if err := r.RefreshNow(ctx); err != nil {
			return nil, fmt.Errorf("pricing.url: %w", err)
		}
	}
	pc.table = store.Current()
	return pc, nil
}

// query is how the gateway would look up model's price.
func (pc *priceContext) query(model string) (pricing.Query, error) {
	if pc.routes == nil {
		return pricing.Query{ClientModel: model}, nil
	}
	r, ok := pc.routes.Resolve(model)
	if !ok {
		return pricing.Query{}, fmt.Errorf("%s: no model rule matches", model)
	}
	return pricing.Query{PricingModel: r.PricingModel, ProviderType: pc.providerType(r.Provider),
		UpstreamModel: r.UpstreamModel, ClientModel: model}, nil
}

func runPrices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("prices", stderr)
	cfgPath := fs.String("config", "", "config: route the models and apply pricing.url and overrides")
	models, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return &ExitError{Code: 2, Err: errors.New("name at least one model")}
	}
	pc, err := loadPrices(ctx, *cfgPath)
	if err != nil {
		return err
	}
	var failed error
	for _, m := range models {
		q, err := pc.query(m)
		if err == nil {
			err = pricing.Describe(stdout, pc.table, q)
		}
		if err != nil {
			if !errors.Is(err, pricing.ErrUnpriced) {
				fmt.Fprintln(stdout, err)
			}
			failed = &ExitError{Code: 1}
		}
	}
	return failed
}

// smokePricer prices smoke results as the gateway would: with a config, through its
// rules, pricing.url and overrides; without one, by model name in the built-in table.
func smokePricer(ctx context.Context, cfgPath string) (func(smoke.Target, usage.Usage) (float64, bool), error) {
	pc, err := loadPrices(ctx, cfgPath)
	if err != nil {
		return nil, err
	}
	return func(t smoke.Target, u usage.Usage) (float64, bool) {
		q, err := pc.query(t.Model)
		if err != nil {
			return 0, false
		}
		p, _, ok := pc.table.Resolve(q)
		if !ok {
			return 0, false
		}
		cost, err := p.Bill(u)
		return cost, err == nil
	}, nil
}
