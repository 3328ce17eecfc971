package provider

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/llm/api"
)

func init() { Register("anthropic", newAnthropic) }

// anthropicProvider sends Anthropic Messages requests to api.anthropic.com with the
// account's x-api-key. anthropic-beta and every other client header pass untouched.
type anthropicProvider struct {
	defaultResponses
	name, key string
}

func newAnthropic(cfg Config, _ Deps) (Provider, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("api_key is required")
	}
	return &anthropicProvider{name: cfg.Name, key: cfg.APIKey}, nil
}

// ForwardsOther: an endpoint tollgate does not know goes to api.anthropic.com on the
// client's path and query, with the account's key.
func (p *anthropicProvider) ForwardsOther() bool { return true }

func (p *anthropicProvider) Name() string      { return p.name }
func (p *anthropicProvider) Type() string      { return "anthropic" }
func (p *anthropicProvider) GenAIName() string { return "anthropic" }

// AnthropicVersion is the API version sent when the client sent none.
const AnthropicVersion = "2023-06-01"

func (p *anthropicProvider) Prepare(_ context.Context, r *Request) (Mutation, error) {
	var m Mutation
	if r.API != api.AnthropicMessages && r.API != api.AnthropicCountTokens && !r.API.Other() {
		return m, unsupported(p, r.API)
	}
	body, err := SetModel(r.Body, r.UpstreamModel)
	if err != nil {
		return m, err
	}
	m.Body = body
	m.Set("x-api-key", p.key)
	if r.Header("anthropic-version") == "" {
		m.Set("anthropic-version", AnthropicVersion)
	}
	return m, nil
}
