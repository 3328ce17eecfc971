package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tollgate/tollgate/extproc/keys"
	"github.com/tollgate/tollgate/extproc/provider"
	"github.com/tollgate/tollgate/extproc/routing"
)

// Runtime is a compiled config: everything a request needs, built once per load and
// never changed afterwards, so one request sees one Runtime from start to end.
type Runtime struct {
	Loaded    *Loaded
	Router    *routing.Router
	Providers map[string]provider.Provider
	Keys      *keys.Set
	// ModelsJSON is the body of GET /v1/models (OpenAI's list shape).
	ModelsJSON []byte
	// teams is the set of configured teams.
	teams map[string]bool

	MaxRequestBody  int64
	MaxEventSize    int64
	MaxDecompressed int64
}

// Compile builds the Runtime of a loaded file. deps is passed to every provider factory.
func Compile(l *Loaded, deps provider.Deps) (*Runtime, error) {
	rt := &Runtime{
		Loaded:          l,
		Providers:       make(map[string]provider.Provider, len(l.Providers)),
		teams:           map[string]bool{},
		MaxRequestBody:  l.Limits.MaxRequestBody,
		MaxEventSize:    l.Limits.MaxEventSize,
		MaxDecompressed: l.Limits.MaxDecompressed,
	}
	if deps.CredentialTimeout == 0 {
		deps.CredentialTimeout = Duration(l.Limits.CredentialTimeout)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	for _, p := range l.Providers {
		prov, err := provider.New(provider.Config{
			Name: p.Name, Type: p.Type, APIKey: p.APIKey, APIVersion: p.APIVersion,
			Region: p.Region, Project: p.Project, Host: p.Host,
		}, deps)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", p.Name, err)
		}
		rt.Providers[p.Name] = prov
	}
	rules := make([]routing.Rule, len(l.Models))
	for i, m := range l.Models {
		rules[i] = routing.Rule{Match: m.Match, Provider: m.Provider, UpstreamModel: m.UpstreamModel, PricingModel: m.PricingModel}
	}
	var err error
	if rt.Router, err = routing.New(rules); err != nil {
		return nil, err
	}
	ks := make([]keys.Key, len(l.Keys))
	for i, k := range l.Keys {
		ks[i] = keys.Key{Name: k.Name, Team: k.Team, SHA256Hex: k.KeySHA256}
		rt.teams[k.Team] = true
	}
	if rt.Keys, err = keys.New(ks); err != nil {
		return nil, err
	}
	rt.ModelsJSON = modelsList(rt.Router.ExactModels(), time.Now().Unix())
	return rt, nil
}

// modelsList renders OpenAI's model list shape, which Claude Code's gateway model
// discovery and Codex both read.
func modelsList(models []string, created int64) []byte {
	type model struct {
		ID          string `json:"id"`
		Object      string `json:"object"`
		Created     int64  `json:"created"`
		OwnedBy     string `json:"owned_by"`
		Type        string `json:"type"`
		DisplayName string `json:"display_name"`
	}
	list := struct {
		Object  string  `json:"object"`
		Data    []model `json:"data"`
		HasMore bool    `json:"has_more"`
	}{Object: "list", Data: []model{}}
	for _, m := range models {
		list.Data = append(list.Data, model{ID: m, Object: "model", Created: created, OwnedBy: "tollgate", Type: "model", DisplayName: m})
	}
	b, _ := json.Marshal(list)
	return b
}

// TeamKnown reports whether team is configured (label values come only from config).
func (rt *Runtime) TeamKnown(team string) bool { return rt.teams[team] }
