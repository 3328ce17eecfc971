package provider

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/llm/api"
)

func init() { Register("openai", newOpenAI) }

// openAIProvider sends Chat Completions and Responses requests to api.openai.com.
type openAIProvider struct {
	defaultResponses
	name, bearer string
}

func newOpenAI(cfg Config, _ Deps) (Provider, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("api_key is required")
	}
	return &openAIProvider{name: cfg.Name, bearer: "Bearer " + cfg.APIKey}, nil
}

// ForwardsOther: an endpoint tollgate does not know goes to api.openai.com on the
// client's path and query, with the account's key.
func (p *openAIProvider) ForwardsOther() bool { return true }

func (p *openAIProvider) Name() string      { return p.name }
func (p *openAIProvider) Type() string      { return "openai" }
func (p *openAIProvider) GenAIName() string { return "openai" }

func (p *openAIProvider) Prepare(_ context.Context, r *Request) (Mutation, error) {
	var m Mutation
	if r.API != api.OpenAIChat && r.API != api.OpenAIResponses && !r.API.Other() {
		return m, unsupported(p, r.API)
	}
	body, err := SetModel(r.Body, r.UpstreamModel)
	if err != nil {
		return m, err
	}
	m.Body = body
	m.Set("authorization", p.bearer)
	return m, nil
}
