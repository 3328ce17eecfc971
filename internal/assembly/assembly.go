// Package assembly is tollgate's composition root for requests: it turns a validated
// config (internal/config, pure) into the Runtime that serves them, building each
// provider with its credential source. Only the process that serves assembles —
// `tollgate serve` through the gateway, and the tests that play it — so `tollgate check`
// never instantiates a credential provider.
package assembly

import (
	"fmt"
	"log/slog"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
)

// Assembler builds the Runtimes of one process with its provider dependencies (logger,
// clock, credential-error hook).
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

// Assemble builds the Runtime of l, every provider with its credential source.
func (a *Assembler) Assemble(l *config.Loaded) (*Runtime, error) {
	rt := &Runtime{
		providers: make(map[string]provider.Provider, len(l.Providers)),
		teams:     map[string]bool{},
		limits:    l.Limits,
	}
	deps := a.deps
	if deps.CredentialTimeout == 0 {
		deps.CredentialTimeout = config.Duration(l.Limits.CredentialTimeout)
	}
	for _, p := range l.Providers {
		prov, err := provider.New(providerConfig(p), deps)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", p.Name, err)
		}
		rt.providers[p.Name] = prov
	}
	var err error
	if rt.router, err = l.Router(); err != nil {
		return nil, err
	}
	if rt.keys, err = l.KeySet(); err != nil {
		return nil, err
	}
	for _, k := range l.Keys {
		rt.teams[k.Team] = true
	}
	return rt, nil
}

// providerConfig is the provider's part of the declared file.
func providerConfig(p config.Provider) provider.Config {
	return provider.Config{Name: p.Name, Type: p.Type, APIKey: p.APIKey, APIVersion: p.APIVersion,
		Region: p.Region, Project: p.Project, Host: p.Host}
}
