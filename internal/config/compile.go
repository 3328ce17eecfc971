package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/internal/routing"
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
	// BedrockCatalog holds the bodies of GET /inference-profiles and
	// GET /foundation-models: the exact models routed to Bedrock providers.
	BedrockCatalog map[string][]byte
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
	rt.BedrockCatalog = bedrockCatalog(rt)
	return rt, nil
}

// modelsList renders the model list in a shape both OpenAI clients (object, data[].id,
// created, owned_by) and Anthropic clients (data[].type, id, display_name, created_at,
// has_more, first_id, last_id) read — Codex and Claude Code's gateway model discovery.
func modelsList(models []string, created int64) []byte {
	type model struct {
		ID          string `json:"id"`
		Object      string `json:"object"`
		Created     int64  `json:"created"`
		OwnedBy     string `json:"owned_by"`
		Type        string `json:"type"`
		DisplayName string `json:"display_name"`
		CreatedAt   string `json:"created_at"`
	}
	list := struct {
		Object  string  `json:"object"`
		Data    []model `json:"data"`
		HasMore bool    `json:"has_more"`
		FirstID *string `json:"first_id"`
		LastID  *string `json:"last_id"`
	}{Object: "list", Data: []model{}}
	at := time.Unix(created, 0).UTC().Format(time.RFC3339)
	for _, m := range models {
		list.Data = append(list.Data, model{ID: m, Object: "model", Created: created, OwnedBy: "tollgate",
			Type: "model", DisplayName: m, CreatedAt: at})
	}
	if n := len(models); n > 0 {
		list.FirstID, list.LastID = &models[0], &models[n-1]
	}
	b, _ := json.Marshal(list)
	return b
}

// TeamKnown reports whether team is configured (label values come only from config).
func (rt *Runtime) TeamKnown(team string) bool { return rt.teams[team] }

// bedrockCatalog answers the listings Claude Code's Bedrock mode may probe, in the
// Bedrock control plane's shapes, with every exact model that a Bedrock provider serves.
func bedrockCatalog(rt *Runtime) map[string][]byte {
	type model struct {
		ModelArn string `json:"modelArn"`
	}
	type profile struct {
		Name   string  `json:"inferenceProfileName"`
		ID     string  `json:"inferenceProfileId"`
		Arn    string  `json:"inferenceProfileArn"`
		Status string  `json:"status"`
		Type   string  `json:"type"`
		Models []model `json:"models"`
	}
	type summary struct {
		ID          string   `json:"modelId"`
		Arn         string   `json:"modelArn"`
		Name        string   `json:"modelName"`
		Provider    string   `json:"providerName"`
		Streaming   bool     `json:"responseStreamingSupported"`
		InputModes  []string `json:"inputModalities"`
		OutputModes []string `json:"outputModalities"`
		Lifecycle   struct {
			Status string `json:"status"`
		} `json:"modelLifecycle"`
	}
	profiles := struct {
		Items []profile `json:"inferenceProfileSummaries"`
	}{Items: []profile{}}
	models := struct {
		Items []summary `json:"modelSummaries"`
	}{Items: []summary{}}
	for _, m := range rt.Router.ExactModels() {
		r, _ := rt.Router.Resolve(m)
		if rt.Providers[r.Provider].Type() != "bedrock" {
			continue
		}
		arn := "arn:aws:bedrock:::foundation-model/" + m
		profiles.Items = append(profiles.Items, profile{Name: m, ID: m, Arn: arn, Status: "ACTIVE", Type: "SYSTEM_DEFINED", Models: []model{{arn}}})
		s := summary{ID: m, Arn: arn, Name: m, Provider: "Anthropic", Streaming: true, InputModes: []string{"TEXT", "IMAGE"}, OutputModes: []string{"TEXT"}}
		s.Lifecycle.Status = "ACTIVE"
		models.Items = append(models.Items, s)
	}
	p, _ := json.Marshal(profiles)
	f, _ := json.Marshal(models)
	return map[string][]byte{"inference-profiles": p, "foundation-models": f}
}
