package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/tollgate/tollgate/catalog"
	"github.com/tollgate/tollgate/internal/config"
)

func init() {
	register("models", "list each provider's model catalog and how the rules route and price it (-config FILE)", runModels)
}

// runModels exits 0 when every catalog was fetched, 1 when one was not (the others
// still report) or the config does not load, 2 on bad usage. The output is built whole
// before it is written: a failure never leaves half a document.
func runModels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models", stderr)
	cfgPath := fs.String("config", "", "config file (tollgate.yaml): its providers, rules and prices")
	output := fs.String("o", "text", "output: text, json, or yaml (rules for the models no rule routes)")
	only := fs.String("provider", "", "list only this provider's catalog")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	render := map[string]func(catalog.Report) []byte{
		"text": catalog.Report.Text, "json": catalog.Report.JSON, "yaml": catalog.Report.YAML,
	}[*output]
	if render == nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("-o must be text, json or yaml")}
	}
	// A provider whose secret is not set is that provider's error, not the whole run's.
	l, err := config.LoadFileIgnoringUnset(*cfgPath)
	if err != nil {
		return err
	}
	prices, err := pricesOf(ctx, l)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	report, err := catalog.Run(ctx, catalog.Options{Config: l, Prices: prices.table, Provider: *only, Logger: log})
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if _, err := stdout.Write(render(report)); err != nil {
		return err
	}
	if n := report.Failed(); n > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d provider catalogs could not be fetched", n, len(report.Providers))}
	}
	return nil
}
