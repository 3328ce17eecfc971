// Package assembly is tollgate's composition root for requests: it turns a validated
// config (internal/config, pure) into the Runtime that serves them, building each
// provider with its credential source. Only the process that serves assembles —
// `tollgate serve` through the gateway, and the tests that play it — so `tollgate check`
// never instantiates a credential provider.
package assembly

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
)

// Assembler builds the Runtimes of one process. Its provider dependencies (logger, clock,
// credential-error hook) are fixed for its lifetime, so a provider whose settings did not
// change between two loads can be reused, with its cached credentials.
type Assembler struct {
	deps provider.Deps
}

// NewAssembler returns an Assembler giving deps to every provider it builds. A zero
// deps.CredentialTimeout takes limits.credential_timeout from each loaded file.
func NewAssembler(deps provider.Deps) *Assembler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return &Assembler{deps: deps}
}

// Assemble builds the Runtime of l. prev is the Runtime being replaced (nil on the first
// load): each of its providers that this Assembler built from the same provider settings
// and credential timeout is reused as it is, so a reload that changes only models, keys
// or limits keeps the credential caches (an AWS session, a Google token) warm. Every
// other provider is built anew. prev is not changed.
func (a *Assembler) Assemble(l *config.Loaded, prev *Runtime) (*Runtime, error) {
	rt := &Runtime{
		providers: make(map[string]built, len(l.Providers)),
		teams:     map[string]bool{},
		limits:    l.Limits,
		by:        a,
	}
	deps := a.deps
	if deps.CredentialTimeout == 0 {
		deps.CredentialTimeout = config.Duration(l.Limits.CredentialTimeout)
	}
	for _, p := range l.Providers {
		cfg := providerConfig(p)
		if b, ok := prev.reusable(a, cfg, deps.CredentialTimeout); ok {
			rt.providers[p.Name] = b
			continue
		}
		prov, err := provider.New(cfg, deps)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", p.Name, err)
		}
		rt.providers[p.Name] = built{p: prov, cfg: cfg, credentialTimeout: deps.CredentialTimeout}
	}
	var err error
	if rt.router, err = l.Router(); err != nil {
		return nil, err
	}
	if rt.keys, err = l.KeySet(); err != nil {
		return nil, err
	}
	if rt.budgets, err = l.BudgetSet(); err != nil {
		return nil, err
	}
	for _, k := range l.Keys {
		rt.teams[k.Team] = true
	}
	return rt, nil
}

// reusable returns prev's provider for cfg if a built it with the same settings.
func (prev *Runtime) reusable(a *Assembler, cfg provider.Config, credentialTimeout time.Duration) (built, bool) {
	if prev == nil || prev.by != a {
		return built{}, false
	}
	b, ok := prev.providers[cfg.Name]
	return b, ok && !b.injected && b.cfg == cfg && b.credentialTimeout == credentialTimeout
}

// providerConfig is the provider's part of the declared file.
func providerConfig(p config.Provider) provider.Config {
	c := provider.Config{Name: p.Name, Type: p.Type, APIKey: p.APIKey, APIVersion: p.APIVersion,
		Region: p.Region, Project: p.Project, Host: p.Host}
	if b := p.AnthropicBetas; b != nil {
		c.BetasAllow, c.BetasDrop = strings.Join(b.Allow, ","), strings.Join(b.Drop, ",")
	}
	return c
}
