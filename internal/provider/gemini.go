package provider

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/llm/api"
)

func init() { Register("gemini", newGemini) }

// geminiProvider sends OpenAI Chat requests to the Gemini API's OpenAI-compatible
// endpoint with the Gemini API key as a bearer token, and Gemini-native requests
// (Gemini CLI) to the native endpoint with the key in x-goog-api-key (gemini_native.go).
type geminiProvider struct {
	name, key, bearer string
}

func newGemini(cfg Config, _ Deps) (Provider, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("api_key is required")
	}
	return &geminiProvider{name: cfg.Name, key: cfg.APIKey, bearer: "Bearer " + cfg.APIKey}, nil
}

func (p *geminiProvider) Name() string      { return p.name }
func (p *geminiProvider) Type() string      { return "gemini" }
func (p *geminiProvider) GenAIName() string { return "gcp.gemini" }

// GeminiChatPath is the OpenAI-compatible chat endpoint of the Gemini API.
const GeminiChatPath = "/v1beta/openai/chat/completions"

func (p *geminiProvider) Prepare(_ context.Context, r *Request) (Mutation, error) {
	var m Mutation
	if r.API.GoogleShaped() {
		return p.prepareNative(r)
	}
	if r.API != api.OpenAIChat {
		return m, unsupported(p, r.API)
	}
	body, err := SetModel(r.Body, r.UpstreamModel)
	if err != nil {
		return m, err
	}
	m.Body = body
	m.Path = GeminiChatPath
	m.Set("authorization", p.bearer)
	return m, nil
}
