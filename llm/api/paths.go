package api

import (
	"net/url"
	"strings"
)

// Endpoint is what a request path asks for.
type Endpoint struct {
	Kind Kind
	// PathModel is the model named in the path (Bedrock and Vertex native paths), unescaped.
	PathModel string
	// ListModels is GET /v1/models, answered by tollgate itself.
	ListModels bool
	// BedrockCatalog is one of the Bedrock control-plane listings a Bedrock-native
	// client may probe (GET /inference-profiles, GET /foundation-models), answered by
	// tollgate from its exact Bedrock models.
	BedrockCatalog string
	// Err is set when the path names an API tollgate serves but cannot be served as
	// written (a Gemini path whose model is refused): the client gets Err, in the
	// shape of Kind.
	Err *Error
}

// SplitPath separates a :path into path and query.
func SplitPath(p string) (path, query string) {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

var exactPaths = map[string]Kind{
	"/v1/chat/completions":      OpenAIChat,
	"/v1/responses":             OpenAIResponses,
	"/v1/messages":              AnthropicMessages,
	"/v1/messages/count_tokens": AnthropicCountTokens,
}

// Classify maps a path (without query) to the endpoint it names; ok is false for
// paths tollgate does not serve.
func Classify(path string) (Endpoint, bool) {
	if k, ok := exactPaths[path]; ok {
		return Endpoint{Kind: k}, true
	}
	if path == "/v1/models" || path == "/models" {
		return Endpoint{ListModels: true}, true
	}
	if path == "/inference-profiles" || path == "/foundation-models" {
		return Endpoint{BedrockCatalog: path[1:]}, true
	}
	if strings.HasPrefix(path, "/model/") {
		return classifyBedrock(path[len("/model/"):])
	}
	if strings.HasPrefix(path, "/v1/projects/") {
		return classifyVertex(path)
	}
	if GeminiVersion(path) != "" {
		return classifyGemini(path)
	}
	return Endpoint{}, false
}

var bedrockOps = map[string]Kind{
	"invoke":                      BedrockInvoke,
	"invoke-with-response-stream": BedrockInvokeStream,
	"count-tokens":                BedrockCountTokens,
}

// classifyBedrock reads "{id}/{operation}"; the id is escaped (":" as %3A, "/" as %2F).
func classifyBedrock(rest string) (Endpoint, bool) {
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return Endpoint{}, false
	}
	k, ok := bedrockOps[rest[i+1:]]
	if !ok {
		return Endpoint{}, false
	}
	id, err := url.PathUnescape(rest[:i])
	if err != nil || id == "" {
		return Endpoint{}, false
	}
	return Endpoint{Kind: k, PathModel: id}, true
}

var vertexOps = map[string]Kind{
	"rawPredict":       VertexRawPredict,
	"streamRawPredict": VertexStreamRawPredict,
}

// classifyVertex reads
// /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:{rawPredict|streamRawPredict};
// the model "count-tokens" with rawPredict is the token-counting call (model in the body).
func classifyVertex(path string) (Endpoint, bool) {
	parts := strings.Split(path, "/")
	// "", v1, projects, p, locations, r, publishers, anthropic, models, model:op
	if len(parts) != 10 || parts[4] != "locations" || parts[6] != "publishers" ||
		parts[7] != "anthropic" || parts[8] != "models" {
		return Endpoint{}, false
	}
	model, op, ok := strings.Cut(parts[9], ":")
	if !ok {
		return Endpoint{}, false
	}
	k, ok := vertexOps[op]
	if !ok || model == "" {
		return Endpoint{}, false
	}
	if model == "count-tokens" {
		if k != VertexRawPredict {
			return Endpoint{}, false
		}
		return Endpoint{Kind: VertexCountTokens}, true
	}
	model, err := url.PathUnescape(model)
	if err != nil {
		return Endpoint{}, false
	}
	return Endpoint{Kind: k, PathModel: model}, true
}
