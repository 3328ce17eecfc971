package provider

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// VertexAnthropicVersion is the body's anthropic_version for Claude on Vertex AI.
const VertexAnthropicVersion = "vertex-2023-10-16"

// translate picks the path and body for the client's API.
func (p *vertexProvider) translate(r *Request) (path string, body []byte, err error) {
	if r.UpstreamModel == "" {
		return "", nil, api.Errorf(http.StatusBadRequest, "no upstream model for provider %q", p.name)
	}
	switch r.API {
	case api.AnthropicMessages:
		body, err = vertexAnthropicBody(r.Body, true)
		return p.anthropicPath(r.UpstreamModel, vertexOp(r.Stream)), body, err
	case api.AnthropicCountTokens:
		if body, err = SetModel(r.Body, r.UpstreamModel); err == nil {
			body, err = vertexAnthropicBody(body, false)
		}
		return p.anthropicPath("count-tokens", "rawPredict"), body, err
	case api.VertexRawPredict, api.VertexStreamRawPredict:
		return p.anthropicPath(r.UpstreamModel, vertexOp(r.API == api.VertexStreamRawPredict)), r.Body, nil
	case api.VertexCountTokens:
		body, err = SetModel(r.Body, r.UpstreamModel)
		return p.anthropicPath("count-tokens", "rawPredict"), body, err
	case api.GeminiGenerateContent, api.GeminiStreamGenerateContent, api.GeminiCountTokens:
		path, err = p.geminiPath(r)
		return path, r.Body, err
	case api.OpenAIChat:
		if !strings.HasPrefix(r.UpstreamModel, "gemini") && !strings.HasPrefix(r.UpstreamModel, "google/") {
			return "", nil, api.Errorf(http.StatusBadRequest,
				"provider %q (type vertex) serves OpenAI Chat requests only for Gemini models, not %q",
				p.name, r.UpstreamModel)
		}
		model := r.UpstreamModel
		if !strings.HasPrefix(model, "google/") {
			model = "google/" + model
		}
		body, err = SetModel(r.Body, model)
		return p.base() + "/endpoints/openapi/chat/completions", body, err
	default:
		return "", nil, unsupported(p, r.API)
	}
}

func vertexOp(stream bool) string {
	if stream {
		return "streamRawPredict"
	}
	return "rawPredict"
}

// base is /v1/projects/{project}/locations/{region}.
func (p *vertexProvider) base() string {
	return "/v1/projects/" + url.PathEscape(p.project) + "/locations/" + url.PathEscape(p.region)
}

func (p *vertexProvider) anthropicPath(model, op string) string {
	return p.base() + "/publishers/anthropic/models/" + url.PathEscape(model) + ":" + op
}

// vertexAnthropicBody sets anthropic_version and, for rawPredict, removes model (the path
// carries it). stream stays: Vertex reads it. Every other byte is kept.
func vertexAnthropicBody(body []byte, dropModel bool) ([]byte, error) {
	out := body
	var err error
	if dropModel {
		out, err = sjson.DeleteBytes(out, "model")
	}
	if err == nil {
		out, err = sjson.SetBytes(out, "anthropic_version", VertexAnthropicVersion)
	}
	if err != nil {
		return nil, api.Errorf(http.StatusBadRequest, "cannot rewrite the request body for Vertex AI: %v", err)
	}
	return out, nil
}
