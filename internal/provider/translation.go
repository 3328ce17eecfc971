package provider

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/translate"
)

// Translation: a provider that does not speak the client's API, but one tollgate
// translates it into (llm/translate), serves the request through a translated view of
// itself. The view is made per request by Translating: it translates the request body
// before the provider's own Prepare (so Bedrock's and Vertex's envelopes and signatures
// apply to the translated body), and plans the response with the provider's own plan
// for the upstream API, then translates the body (or reshapes the error) into the
// client's API. A provider that speaks the client's API is never wrapped: its requests
// cost nothing more.

// nativeAPIs says which client APIs a provider type serves itself, for an upstream
// model. Types not listed are never translated for.
var nativeAPIs = map[string]func(k api.Kind, model string) bool{
	"anthropic":    anthropicAPI,
	"bedrock":      anthropicAPI,
	"vertex":       vertexAPI,
	"openai":       openAIAPI,
	"azure_openai": openAIAPI,
	"gemini":       func(k api.Kind, _ string) bool { return k == api.OpenAIChat },
}

func anthropicAPI(k api.Kind, _ string) bool {
	return k == api.AnthropicMessages || k == api.AnthropicCountTokens
}

// vertexAPI: Gemini models through Vertex's OpenAI-compatible endpoint, Claude models
// through rawPredict.
func vertexAPI(k api.Kind, model string) bool {
	if vertexGemini(model) {
		return k == api.OpenAIChat
	}
	return anthropicAPI(k, model)
}

func openAIAPI(k api.Kind, _ string) bool { return k == api.OpenAIChat || k == api.OpenAIResponses }

// vertexGemini reports whether a Vertex upstream model is a Gemini model (served through
// Vertex's OpenAI-compatible endpoint) rather than a Claude model.
func vertexGemini(model string) bool {
	return strings.HasPrefix(model, "gemini") || strings.HasPrefix(model, "google/")
}

// upstreamOptions are the translation options of each provider type: what its upstream
// accepts.
var upstreamOptions = map[string]translate.Options{
	"anthropic":    {Target: "Anthropic's API", ImageURLs: true},
	"bedrock":      {Target: "Claude on Bedrock"},
	"vertex":       {Target: "Claude on Vertex AI"},
	"openai":       {Target: "OpenAI"},
	"azure_openai": {Target: "Azure OpenAI"},
	"gemini":       {Target: "Gemini", MaxTokensField: "max_tokens"},
}

// Translation reports the API a request of client API k for the upstream model is
// translated into on p: ok is false when p serves k itself, or when nothing translates k
// for p (its Prepare then refuses the request as before).
func Translation(p Provider, k api.Kind, model string) (to api.Kind, ok bool) {
	return TranslationFor(p.Type(), k, model)
}

// TranslationFor is Translation for a provider type (tollgate check and the docs' tests
// ask it without building providers).
func TranslationFor(typ string, k api.Kind, model string) (to api.Kind, ok bool) {
	serves, known := nativeAPIs[typ]
	if !known || serves(k, model) {
		return api.Unknown, false
	}
	switch {
	case k == api.OpenAIChat && serves(api.AnthropicMessages, model):
		return api.AnthropicMessages, true
	case k == api.AnthropicMessages && serves(api.OpenAIChat, model):
		return api.OpenAIChat, true
	case k == api.OpenAIResponses && serves(api.AnthropicMessages, model):
		return api.AnthropicMessages, true
	}
	return api.Unknown, false
}

// Translating returns p's translated view for one request of client API k with the
// upstream model, when it has a Translation (else ok is false and p is to be used as it
// is). dropped is told of each request field left out (nil: none).
func Translating(p Provider, k api.Kind, model string, dropped func(pair translate.Pair, label, name string)) (Provider, bool) {
	to, ok := Translation(p, k, model)
	if !ok {
		return nil, false
	}
	pair := translate.Pair{Client: k, Upstream: to}
	t := &translated{Provider: p, pair: pair, opts: upstreamOptions[p.Type()]}
	t.opts.Model = model
	if p.Type() == "vertex" && to == api.OpenAIChat {
		t.opts.Target, t.opts.MaxTokensField = "Gemini on Vertex AI", "max_tokens"
	}
	if dropped != nil {
		t.opts.Dropped = func(label, name string) { dropped(t.pair, label, name) }
	}
	return t, true
}

// translated is a provider seen through a translation, for one request. Not safe for
// concurrent use.
type translated struct {
	Provider
	pair translate.Pair
	opts translate.Options
	x    translate.Exchange // the request's, set by Prepare
}

// translatedHeaders are client headers the upstream of a translation must not get:
// accept-encoding (a compressed answer could not be translated), and the other API's
// own headers.
var translatedHeaders = map[api.Kind][]string{
	api.AnthropicMessages: {"accept-encoding", "openai-organization", "openai-project", "openai-beta"},
	api.OpenAIChat:        {"accept-encoding", "anthropic-version", "anthropic-beta"},
}

// translatedPaths are the upstream API's paths, for the providers that keep the
// client's path (it is the other API's).
var translatedPaths = map[api.Kind]string{
	api.AnthropicMessages: "/v1/messages",
	api.OpenAIChat:        "/v1/chat/completions",
}

func (t *translated) Prepare(ctx context.Context, r *Request) (Mutation, error) {
	body, x, err := translate.Request(t.pair, r.Body, t.opts)
	if err != nil {
		return Mutation{}, err
	}
	t.x = x
	up := *r
	up.API, up.Body = t.pair.Upstream, body
	m, err := t.Provider.Prepare(ctx, &up)
	if err != nil {
		return m, err
	}
	if m.Body == nil {
		m.Body = body
	}
	if m.Path == "" { // a provider on the upstream API's own paths (Anthropic, OpenAI)
		m.Path = translatedPaths[t.pair.Upstream]
	}
	m.RemoveHeaders = slices.Concat(m.RemoveHeaders, translatedHeaders[t.pair.Upstream])
	return m, nil
}

// PlanResponse plans the body with the provider's own plan for the upstream API, then
// translates: errors are reshaped into the client's shape (after the provider's own
// reshaping, such as Bedrock's), streams and JSON bodies translated as they arrive.
func (t *translated) PlanResponse(r Response) ResponsePlan {
	r.Client = t.pair.Upstream
	inner := t.Provider.PlanResponse(r)
	if r.Status >= http.StatusBadRequest {
		pair, status, own := t.pair, r.Status, inner.Reshape
		return ResponsePlan{Body: BodyReshape, Reshape: func(b []byte) []byte {
			if own != nil {
				if out := own(b); out != nil {
					b = out
				}
			}
			return translate.ReshapeError(pair, status, b)
		}}
	}
	if inner.Body == BodyPass {
		return inner // no usage and nothing to translate (a content type of neither API)
	}
	upstream := inner.Upstream
	if upstream == api.Unknown {
		upstream = t.pair.Upstream
	}
	framing := translate.FramingJSON
	switch mt := api.MediaType(r.ContentType); {
	case r.ContentEncoding != "" && r.ContentEncoding != "identity":
		framing = translate.FramingEncoded
	case upstream == api.BedrockInvokeStream:
		framing = translate.FramingEventStream
	case mt == api.MediaSSE:
		framing = translate.FramingSSE
	}
	x := t.x
	plan := ResponsePlan{
		Body: BodyTranslate, Stream: framing != translate.FramingJSON, Upstream: upstream,
		Translator: func(sink EventSink) Translator { return translate.NewResponse(x, framing, sink) },
	}
	if plan.Stream {
		plan.SetHeaders = []HeaderValue{{Key: "content-type", Value: api.MediaSSE}}
		plan.RemoveHeaders = []string{"content-length"}
	}
	return plan
}
