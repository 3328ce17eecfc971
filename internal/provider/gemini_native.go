package provider

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
)

// Gemini's native API (generateContent, streamGenerateContent, countTokens), served by
// the gemini type at the Gemini API's own endpoint and by the vertex type at Vertex AI's
// publishers/google models. The body passes byte for byte (the model is in the path);
// the query passes without the client's ?key=, which never leaves tollgate; alt=sse
// stays, so a stream stays SSE.

// prepareNative sends a Gemini-native request to /{version}/models/{upstream}:{method},
// the API version the client used, with the provider key in x-goog-api-key.
func (p *geminiProvider) prepareNative(r *Request) (Mutation, error) {
	var m Mutation
	model, err := geminiUpstreamModel(p, r.UpstreamModel, "models/")
	if err != nil {
		return m, err
	}
	version := api.GeminiVersion(r.Path)
	if version == "" {
		version = "v1beta"
	}
	m.Path = "/" + version + "/models/" + url.PathEscape(model) + ":" + r.API.GeminiMethod() + geminiQuery(r.Query)
	m.Set("x-goog-api-key", p.key)
	return m, nil
}

// geminiPath is Vertex AI's path of a Gemini-native request:
// /v1/projects/{p}/locations/{r}/publishers/google/models/{upstream}:{method}.
func (p *vertexProvider) geminiPath(r *Request) (string, error) {
	model, err := geminiUpstreamModel(p, r.UpstreamModel, "google/")
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(model, "claude") {
		return "", api.Errorf(http.StatusBadRequest,
			"provider %q (type vertex) serves Gemini's API for Google models only, not %q; route it with the Anthropic API",
			p.name, r.UpstreamModel)
	}
	return p.base() + "/publishers/google/models/" + url.PathEscape(model) + ":" + r.API.GeminiMethod() + geminiQuery(r.Query), nil
}

// geminiUpstreamModel is the model id to put in the path: the upstream model without
// the resource prefix a rule may have written ("models/" on the Gemini API, "google/"
// on Vertex AI).
func geminiUpstreamModel(p Provider, upstream, prefix string) (string, error) {
	model := strings.TrimPrefix(upstream, prefix)
	if model == "" {
		return "", api.Errorf(http.StatusBadRequest, "no upstream model for provider %q", p.Name())
	}
	return model, nil
}

// geminiQuery is the client's query without its key, with its "?" (or "").
func geminiQuery(query string) string {
	if q := api.StripQueryKey(query); q != "" {
		return "?" + q
	}
	return ""
}

// geminiPlan is the response plan of both providers for Gemini-native clients: their
// answers are already in the client's API. A streamGenerateContent without alt=sse
// answers one JSON array that grows chunk by chunk: it reaches the client as it comes
// (STREAMED) and is metered whole at its end. Everything else is DefaultPlan (SSE
// streamed, JSON whole, errors and token counts unread).
func geminiPlan(r Response) ResponsePlan {
	if r.Client == api.GeminiStreamGenerateContent && r.Status < http.StatusBadRequest &&
		api.IsJSON(api.MediaType(r.ContentType)) {
		return ResponsePlan{Body: BodyMeter, Stream: true}
	}
	return DefaultPlan(r)
}

func (p *geminiProvider) PlanResponse(r Response) ResponsePlan { return geminiPlan(r) }
func (p *vertexProvider) PlanResponse(r Response) ResponsePlan { return geminiPlan(r) }
