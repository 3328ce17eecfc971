package provider

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
)

func init() { Register("azure_openai", newAzure) }

// azureProvider sends OpenAI requests to an Azure OpenAI resource: the classic
// /openai/deployments/{deployment}/...?api-version= paths, or the /openai/v1/ paths
// when api_version is "v1". The upstream model is the deployment name.
type azureProvider struct {
	defaultResponses
	name, key, version string
}

func newAzure(cfg Config, _ Deps) (Provider, error) {
	if cfg.APIKey == "" || cfg.APIVersion == "" {
		return nil, fmt.Errorf("api_key and api_version are required")
	}
	return &azureProvider{name: cfg.Name, key: cfg.APIKey, version: cfg.APIVersion}, nil
}

func (p *azureProvider) Name() string      { return p.name }
func (p *azureProvider) Type() string      { return "azure_openai" }
func (p *azureProvider) GenAIName() string { return "azure.ai.openai" }

var azureOps = map[api.Kind]string{api.OpenAIChat: "chat/completions", api.OpenAIResponses: "responses"}

// ForwardsOther: with api_version v1 an endpoint tollgate does not know maps to the same
// path under /openai/v1/ (/v1/responses/compact → /openai/v1/responses/compact); the
// classic API names a deployment in every path, which tollgate cannot guess.
func (p *azureProvider) ForwardsOther() bool { return p.version == "v1" }

func (p *azureProvider) Prepare(_ context.Context, r *Request) (Mutation, error) {
	var m Mutation
	op, ok := azureOps[r.API]
	if r.API.Other() && p.ForwardsOther() {
		op, ok = strings.TrimPrefix(r.Path, "/v1/"), true
		if r.Query != "" {
			op += "?" + r.Query
		}
	}
	if !ok {
		return m, unsupported(p, r.API)
	}
	body, err := SetModel(r.Body, r.UpstreamModel)
	if err != nil {
		return m, err
	}
	m.Body = body
	switch {
	case p.version == "v1":
		m.Path = "/openai/v1/" + op
	case r.API == api.OpenAIResponses:
		// The Responses API takes the deployment in the body, not the path.
		m.Path = "/openai/responses?api-version=" + url.QueryEscape(p.version)
	default:
		m.Path = "/openai/deployments/" + url.PathEscape(r.UpstreamModel) + "/" + op +
			"?api-version=" + url.QueryEscape(p.version)
	}
	m.Set("api-key", p.key)
	return m, nil
}
