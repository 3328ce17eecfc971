package provider

import (
	"context"
	"fmt"
	"net/http"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/credentials"
	"github.com/tollgate/tollgate/llm/api"
)

func init() { Register("bedrock", newBedrock) }

// bedrockProvider sends Anthropic models to Amazon Bedrock's InvokeModel API, signed
// with SigV4 from the AWS default credential chain, or with a Bedrock API key (bearer)
// when the config sets api_key. It serves Anthropic-API clients (translating the body and
// path) and Bedrock-native clients (Claude Code's CLAUDE_CODE_USE_BEDROCK mode).
type bedrockProvider struct {
	name, region, host string
	apiKey             string
	creds              *credentials.AWS // nil with an API key
	signer             *v4.Signer
	deps               Deps
	betas              *betaPolicy // the anthropic_beta flags Bedrock accepts (betas.yaml)
}

func newBedrock(cfg Config, deps Deps) (Provider, error) {
	if cfg.Region == "" {
		return nil, fmt.Errorf("region is required")
	}
	p := &bedrockProvider{
		name: cfg.Name, region: cfg.Region, host: cfg.Host, apiKey: cfg.APIKey,
		signer: v4.NewSigner(), deps: deps, betas: newBetaPolicy("bedrock", cfg, deps),
	}
	p.host = config.DefaultHost("bedrock", cfg.Region, cfg.Host)
	if p.apiKey == "" {
		creds, err := credentials.NewAWS(context.Background(), cfg.Region, deps.Logger)
		if err != nil {
			return nil, err
		}
		p.creds = creds
	}
	return p, nil
}

func (p *bedrockProvider) Name() string      { return p.name }
func (p *bedrockProvider) Type() string      { return "bedrock" }
func (p *bedrockProvider) GenAIName() string { return "aws.bedrock" }

// Host is the upstream host the requests are signed for; Envoy's route must send them
// there (host rewrite).
func (p *bedrockProvider) Host() string { return p.host }

// Bedrock operations, the last segment of /model/{id}/{operation}.
const (
	bedrockOpInvoke       = "invoke"
	bedrockOpInvokeStream = "invoke-with-response-stream"
	bedrockOpCountTokens  = "count-tokens"
)

// bedrockClientHeaders are request headers of the client that must not reach Bedrock:
// Anthropic's (moved into the body) and a native client's own signature.
var bedrockClientHeaders = []string{
	"anthropic-beta", "anthropic-version",
	"x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
}

func (p *bedrockProvider) Prepare(ctx context.Context, r *Request) (Mutation, error) {
	var m Mutation
	op, body, err := p.translate(r)
	if err != nil {
		return m, err
	}
	m.Path = "/model/" + bedrockEscapeID(r.UpstreamModel) + "/" + op
	m.Body = body
	m.RemoveHeaders = bedrockClientHeaders
	if op == bedrockOpInvokeStream && r.API == api.AnthropicMessages {
		// The event stream is translated as it comes: ask for it uncompressed (the
		// client's accept-encoding was for SSE). Not a signed header.
		m.Set("accept-encoding", "identity")
	}
	if p.apiKey != "" {
		m.Set("authorization", "Bearer "+p.apiKey)
		return m, nil
	}
	if err := p.sign(ctx, &m); err != nil {
		return Mutation{}, err
	}
	return m, nil
}

// translate picks the operation and the body to send for the client's API.
func (p *bedrockProvider) translate(r *Request) (op string, body []byte, err error) {
	if r.UpstreamModel == "" {
		return "", nil, api.Errorf(http.StatusBadRequest, "no upstream model for provider %q", p.name)
	}
	switch r.API {
	case api.AnthropicMessages:
		op = bedrockOpInvoke
		if r.Stream {
			op = bedrockOpInvokeStream
		}
		betas, client, err := p.headerBetas(r)
		if err == nil {
			body, err = bedrockInvokeBody(client, betas)
		}
		return op, body, err
	case api.AnthropicCountTokens:
		betas, client, err := p.headerBetas(r)
		if err == nil {
			body, err = bedrockCountTokensBody(client, betas)
		}
		return bedrockOpCountTokens, body, err
	case api.BedrockInvoke:
		body, err = p.bodyBetas(r.Body)
		return bedrockOpInvoke, body, err
	case api.BedrockInvokeStream:
		body, err = p.bodyBetas(r.Body)
		return bedrockOpInvokeStream, body, err
	case api.BedrockCountTokens:
		return bedrockOpCountTokens, r.Body, nil
	default:
		return "", nil, unsupported(p, r.API)
	}
}

// sign adds the SigV4 headers for m's final path and body.
func (p *bedrockProvider) sign(ctx context.Context, m *Mutation) error {
	tctx, cancel := context.WithTimeout(ctx, p.deps.CredentialTimeout)
	defer cancel()
	creds, err := p.creds.Retrieve(tctx)
	if err != nil {
		return credentialUnavailable(ctx, p.deps, p.name, "bedrock", err)
	}
	h, err := bedrockSignature(tctx, p.signer, creds, p.host, p.region, m.Path, m.Body, p.deps.Now())
	if err != nil {
		return fmt.Errorf("bedrock: signing: %w", err)
	}
	m.SetHeaders = append(m.SetHeaders, h...)
	return nil
}
