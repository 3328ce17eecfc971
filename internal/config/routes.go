package config

import (
	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/routing"
)

// The methods below turn a loaded file into the lookup structures requests use. They
// are pure — no I/O, no credentials — so `tollgate check`, `prices` and `smoke` route
// models exactly as the gateway does without building a provider. Providers and their
// credentials are assembled elsewhere (internal/assembly), by the process that serves.

// Router compiles the model rules, first match wins in file order.
func (l *Loaded) Router() (*routing.Router, error) {
	rules := make([]routing.Rule, len(l.Models))
	for i, m := range l.Models {
		rules[i] = routing.Rule{Match: m.Match, Provider: m.Provider, UpstreamModel: m.UpstreamModel, PricingModel: m.PricingModel}
	}
	return routing.New(rules)
}

// KeySet compiles the client keys (an empty set when the file has none: the gateway is open).
func (l *Loaded) KeySet() (*keys.Set, error) {
	ks := make([]keys.Key, len(l.Keys))
	for i, k := range l.Keys {
		ks[i] = keys.Key{Name: k.Name, Team: k.Team, SHA256Hex: k.KeySHA256}
	}
	return keys.New(ks)
}

// ProviderType is the `type` of the provider named name, "" when there is none.
func (l *Loaded) ProviderType(name string) string {
	for _, p := range l.Providers {
		if p.Name == name {
			return p.Type
		}
	}
	return ""
}
