// Package check is `tollgate check`: everything a CI job can verify about a config
// before it ships — the config itself, its environment, its Envoy routes and its prices.
package check

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/pricing"
)

// Options say what to check.
type Options struct {
	Config string
	// Envoy is an Envoy bootstrap whose routes must serve every provider ("" skips).
	Envoy string
	// Strict turns warnings (unpriced models, an open gateway, an exposed gRPC port) into errors.
	Strict bool
	// Lookup reads the environment; nil means os.LookupEnv.
	Lookup func(string) (string, bool)
}

// Report is the outcome, also the JSON of `-o json`.
type Report struct {
	Config   string   `json:"config"`
	Envoy    string   `json:"envoy,omitempty"`
	OK       bool     `json:"ok"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	// Notes say what the check could not cover; never an error, even with -strict.
	Notes []string `json:"notes"`
	// Unpriced lists the exact models that have no price.
	Unpriced  []string `json:"unpriced_models"`
	Providers int      `json:"providers"`
	Models    int      `json:"model_rules"`
	Keys      int      `json:"keys"`
	EnvVars   []string `json:"env_vars"`
}

// Run checks and reports; it never stops at the first problem.
func Run(o Options) Report {
	r := Report{Config: o.Config, Envoy: o.Envoy, Errors: []string{}, Warnings: []string{}, Notes: []string{}, Unpriced: []string{}, EnvVars: []string{}}
	lookup := o.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	data, err := os.ReadFile(o.Config)
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
		return r.done(o.Strict)
	}
	l, err := config.Parse(o.Config, data, lookup)
	var ce *config.Error
	switch {
	case errors.As(err, &ce):
		r.Errors = append(r.Errors, ce.Problems...)
	case err != nil:
		r.Errors = append(r.Errors, err.Error())
	}
	if l == nil {
		return r.done(o.Strict)
	}
	r.Providers, r.Models, r.Keys = len(l.Providers), len(l.Models), len(l.Keys)
	r.EnvVars = append(r.EnvVars, l.EnvVars...)
	if len(l.Keys) == 0 {
		r.Warnings = append(r.Warnings, "no keys configured: the gateway is open to anyone who can reach Envoy")
	}
	if w := exposedListen(l.File); w != "" {
		r.Warnings = append(r.Warnings, w)
	}
	if o.Envoy != "" {
		errs, warns := envoyProblems(o.Envoy, l)
		r.Errors = append(r.Errors, errs...)
		r.Warnings = append(r.Warnings, warns...)
	}
	if err != nil {
		return r.done(o.Strict) // an invalid config cannot be routed for the price check
	}
	r.priceCheck(l)
	return r.done(o.Strict)
}

// exposedListen warns when the ext_proc gRPC port may be reachable from other hosts and
// does not require client certificates: whoever reaches it can ask for a request with
// provider credentials injected (SECURITY.md).
func exposedListen(f config.File) string {
	if t := f.Server.TLS; t != nil && t.ClientCA != "" {
		return ""
	}
	host, _, err := net.SplitHostPort(f.Listen)
	if err != nil || isLoopback(host) {
		return "" // a bad address is already an error
	}
	return fmt.Sprintf("listen %q is not a loopback address and server.tls.client_ca is not set: "+
		"the gRPC ext_proc port hands provider credentials to any peer that can reach it; "+
		"require mTLS (server.tls with client_ca) or let only Envoy reach it (a NetworkPolicy or firewall; see SECURITY.md)", f.Listen)
}

// isLoopback reports whether a listen host binds only the loopback interface ("" binds all).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *Report) done(strict bool) Report {
	if strict {
		for _, w := range r.Warnings {
			r.Errors = append(r.Errors, "strict: "+w)
		}
	}
	r.OK = len(r.Errors) == 0
	return *r
}

// envoyProblems checks that every provider has a route matching x-tollgate-provider,
// that route's cluster exists, and the route and cluster send to the provider's host
// (hosts.go).
func envoyProblems(path string, l *config.Loaded) (errs, warns []string) {
	b, err := envoy.LoadBootstrap(path)
	if err != nil {
		return []string{fmt.Sprintf("envoy: %v", err)}, nil
	}
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		return []string{fmt.Sprintf("envoy: %v", err)}, nil
	}
	for _, p := range l.Providers {
		if _, ok := routes[p.Name]; !ok {
			errs = append(errs, fmt.Sprintf("envoy: provider %q has no route matching %s: %s in %s", p.Name, envoy.ProviderHeader, p.Name, path))
		}
	}
	herrs, warns := hostProblems(l, routes)
	return append(errs, herrs...), warns
}

// priceCheck lists every exact model without a price.
func (r *Report) priceCheck(l *config.Loaded) {
	ov := make(pricing.Overrides, len(l.Pricing.Overrides))
	for k, v := range l.Pricing.Overrides {
		ov[k] = pricing.Override(v)
	}
	table, err := pricing.NewTable(nil, ov)
	if err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("pricing.overrides: %v", err))
		return
	}
	// Routing is pure: no provider, so no credential source, is built to check a config.
	router, err := l.Router()
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
		return
	}
	for _, m := range router.ExactModels() {
		route, _ := router.Resolve(m)
		q := pricing.Query{PricingModel: route.PricingModel, ProviderType: l.ProviderType(route.Provider),
			UpstreamModel: route.UpstreamModel, ClientModel: m}
		if _, _, ok := table.Resolve(q); !ok {
			r.Unpriced = append(r.Unpriced, m)
			r.Warnings = append(r.Warnings, fmt.Sprintf("model %q (provider %s, upstream %s) has no price: its usage will count as unpriced", m, route.Provider, route.UpstreamModel))
		}
	}
	sort.Strings(r.Unpriced)
	if l.Pricing.URL != "" {
		// A note, not a warning: a config with pricing.url must still pass -strict in CI,
		// where the price source may be unreachable; its unpriced models are warned above.
		r.Notes = append(r.Notes, fmt.Sprintf("prices checked against the built-in table and overrides only; %s may price more", l.Pricing.URL))
	}
}
