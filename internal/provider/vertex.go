package provider

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/credentials"
)

func init() { Register("vertex", newVertex) }

// vertexProvider sends Anthropic models to Vertex AI's rawPredict API and Gemini models
// to Vertex's OpenAI-compatible endpoint, with an OAuth token from Google application
// default credentials. It serves Anthropic-API clients, OpenAI Chat clients (Gemini) and
// Vertex-native clients (Claude Code's CLAUDE_CODE_USE_VERTEX mode), and Gemini-native
// clients (Gemini CLI) at publishers/google models (gemini_native.go).
type vertexProvider struct {
	name, project, region, host string
	tokens                      vertexTokenSource
	deps                        Deps
	betas                       *betaPolicy // the anthropic-beta flags Vertex AI accepts (betas.yaml)
}

// vertexTokenSource is what the provider needs of credentials.Google.
type vertexTokenSource interface {
	Token(ctx context.Context) (string, error)
}

func newVertex(cfg Config, deps Deps) (Provider, error) {
	if cfg.Project == "" || cfg.Region == "" {
		return nil, fmt.Errorf("project and region are required")
	}
	p := &vertexProvider{
		name: cfg.Name, project: cfg.Project, region: cfg.Region, host: cfg.Host,
		tokens: credentials.NewGoogle(credentials.CloudPlatformScope), deps: deps,
		betas: newBetaPolicy("vertex", cfg, deps),
	}
	p.host = config.DefaultHost("vertex", cfg.Region, cfg.Host)
	return p, nil
}

func (p *vertexProvider) Name() string      { return p.name }
func (p *vertexProvider) Type() string      { return "vertex" }
func (p *vertexProvider) GenAIName() string { return "gcp.vertex_ai" }

// Host is the Vertex AI host for the configured region; Envoy's route must send the
// requests there (host rewrite).
func (p *vertexProvider) Host() string { return p.host }

func (p *vertexProvider) Prepare(ctx context.Context, r *Request) (Mutation, error) {
	var m Mutation
	path, body, err := p.translate(r)
	if err != nil {
		return m, err
	}
	m.Path, m.Body = path, body
	if err := p.filterBetas(r, &m); err != nil {
		return Mutation{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, p.deps.CredentialTimeout)
	defer cancel()
	tok, err := p.tokens.Token(tctx)
	if err != nil {
		return Mutation{}, credentialUnavailable(ctx, p.deps, p.name, "vertex", err)
	}
	m.Set("authorization", "Bearer "+tok)
	return m, nil
}
