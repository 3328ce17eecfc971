package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
)

func init() {
	register("ratelimit-config", "print the envoyproxy/ratelimit config for the config's budgets (-config FILE)", runRatelimitConfig)
}

// runRatelimitConfig prints the file envoyproxy/ratelimit loads for the config's
// domain (its runtime directory's config/<domain>.yaml). Budgets send their limits with
// every call, so the file declares the domain only and does not change with them.
func runRatelimitConfig(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ratelimit-config", stderr)
	path := fs.String("config", "", "config file (tollgate.yaml)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	l, err := config.LoadFileIgnoringUnset(*path) // no provider secret is needed for this
	if err != nil {
		return err
	}
	domain := budget.DefaultDomain
	if l.Ratelimit != nil {
		domain = l.Ratelimit.Domain
	} else {
		fmt.Fprintf(stderr, "tollgate ratelimit-config: %s has no ratelimit section; the default domain %q is printed\n", *path, domain)
	}
	_, err = stdout.Write(budget.RatelimitConfig(domain))
	return err
}
