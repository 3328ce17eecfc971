package provider

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/translate"
)

// Which client API goes to which provider through which translation; a provider that
// speaks the client's API is never wrapped.
func TestTranslation(t *testing.T) {
	ps := testProviders(t)
	for _, tc := range []struct {
		typ   string
		kind  api.Kind
		model string
		to    api.Kind // Unknown: no translation
	}{
		{"anthropic", api.OpenAIChat, "claude-x", api.AnthropicMessages},
		{"anthropic", api.AnthropicMessages, "claude-x", api.Unknown},
		{"anthropic", api.OpenAIResponses, "claude-x", api.AnthropicMessages},
		{"bedrock", api.OpenAIChat, "jp.anthropic.claude-x-v1:0", api.AnthropicMessages},
		{"bedrock", api.BedrockInvokeStream, "jp.anthropic.claude-x-v1:0", api.Unknown},
		{"vertex", api.OpenAIChat, "claude-x@1", api.AnthropicMessages},
		{"vertex", api.OpenAIChat, "gemini-2.5-pro", api.Unknown},
		{"vertex", api.AnthropicMessages, "gemini-2.5-pro", api.OpenAIChat},
		{"vertex", api.AnthropicMessages, "claude-x@1", api.Unknown},
		{"openai", api.AnthropicMessages, "gpt-5.1", api.OpenAIChat},
		{"openai", api.OpenAIChat, "gpt-5.1", api.Unknown},
		{"openai", api.OpenAIResponses, "gpt-5.1", api.Unknown},
		{"openai", api.AnthropicCountTokens, "gpt-5.1", api.Unknown},
		{"azure_openai", api.AnthropicMessages, "gpt-51-prod", api.OpenAIChat},
		{"gemini", api.AnthropicMessages, "gemini-2.5-pro", api.OpenAIChat},
		{"gemini", api.OpenAIResponses, "gemini-2.5-pro", api.Unknown},
	} {
		to, ok := Translation(ps[tc.typ], tc.kind, tc.model)
		if to != tc.to || ok != (tc.to != api.Unknown) {
			t.Errorf("%s %s %s: translated to %s (%v), want %s", tc.typ, tc.kind, tc.model, to, ok, tc.to)
		}
	}
}

// prepareTranslated runs a request of kind through p's translated view.
func prepareTranslated(t *testing.T, p Provider, kind api.Kind, model, body string, h http.Header) (Provider, Mutation, error) {
	t.Helper()
	tp, ok := Translating(p, kind, model, nil)
	if !ok {
		t.Fatalf("%s: no translation for %s", p.Type(), kind)
	}
	if h == nil {
		h = http.Header{}
	}
	r := &Request{API: kind, Method: "POST", Headers: h, Body: []byte(body), UpstreamModel: model,
		Stream: gjson.Get(body, "stream").Bool()}
	m, err := tp.Prepare(context.Background(), r)
	return tp, m, err
}

// The translated body goes through the provider's own Prepare: its path, envelope and
// credentials apply; the client headers of the other API do not reach the upstream.
func TestTranslatedPrepare(t *testing.T) {
	ps := testProviders(t)
	vertex := newFakeVertex(t, "global", &vertexFakeTokens{tok: "ya29.fake"}, Deps{})
	chat := `{"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,"messages":[{"role":"user","content":"hi"}]}`
	msgs := `{"model":"m","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name   string
		p      Provider
		kind   api.Kind
		model  string
		body   string
		path   string
		header string // a header the provider sets
		checks map[string]string
	}{
		{"chat on anthropic", ps["anthropic"], api.OpenAIChat, "claude-x", chat, "/v1/messages", "x-api-key",
			map[string]string{"model": "claude-x", "max_tokens": "50", "messages.0.content.0.text": "hi", "stream": "true", "stream_options": ""}},
		{"chat on bedrock", ps["bedrock"], api.OpenAIChat, "jp.anthropic.claude-x-v1:0", chat,
			"/model/jp.anthropic.claude-x-v1%3A0/invoke-with-response-stream", "authorization",
			map[string]string{"model": "", "stream": "", "anthropic_version": BedrockAnthropicVersion, "max_tokens": "50"}},
		{"chat on vertex claude", vertex, api.OpenAIChat, "claude-x@1", chat,
			"/v1/projects/my-proj/locations/global/publishers/anthropic/models/claude-x@1:streamRawPredict", "authorization",
			map[string]string{"model": "", "stream": "true", "anthropic_version": VertexAnthropicVersion}},
		{"messages on openai", ps["openai"], api.AnthropicMessages, "gpt-5.1", msgs, "/v1/chat/completions", "authorization",
			map[string]string{"model": "gpt-5.1", "max_completion_tokens": "50", "stream_options.include_usage": "true"}},
		{"messages on azure", ps["azure_openai"], api.AnthropicMessages, "gpt-51-prod", msgs, "/openai/v1/chat/completions", "api-key",
			map[string]string{"model": "gpt-51-prod", "max_completion_tokens": "50"}},
		{"messages on gemini", ps["gemini"], api.AnthropicMessages, "gemini-2.5-pro", msgs, GeminiChatPath, "authorization",
			map[string]string{"model": "gemini-2.5-pro", "max_tokens": "50", "max_completion_tokens": ""}},
		{"messages on vertex gemini", vertex, api.AnthropicMessages, "gemini-2.5-pro", msgs,
			"/v1/projects/my-proj/locations/global/endpoints/openapi/chat/completions", "authorization",
			map[string]string{"model": "google/gemini-2.5-pro", "max_tokens": "50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"accept-encoding": {"gzip"}, "anthropic-version": {"2023-06-01"}, "openai-organization": {"org"}}
			_, m, err := prepareTranslated(t, tc.p, tc.kind, tc.model, tc.body, h)
			if err != nil {
				t.Fatal(err)
			}
			if m.Path != tc.path {
				t.Errorf("path %q, want %q", m.Path, tc.path)
			}
			if bedrockHeader(m, tc.header) == "" {
				t.Errorf("no %s set: %+v", tc.header, m.SetHeaders)
			}
			for path, want := range tc.checks {
				if got := gjson.GetBytes(m.Body, path).String(); got != want {
					t.Errorf("body %s = %q, want %q (%s)", path, got, want, m.Body)
				}
			}
			other := "openai-organization"
			if tc.kind == api.AnthropicMessages {
				other = "anthropic-version"
			}
			for _, h := range []string{"accept-encoding", other} {
				if !slices.Contains(m.RemoveHeaders, h) {
					t.Errorf("%s is not removed: %v", h, m.RemoveHeaders)
				}
			}
		})
	}
}

// A request that cannot be translated is a 400 for the client naming what cannot cross.
func TestTranslatedRefusals(t *testing.T) {
	ps := testProviders(t)
	_, _, err := prepareTranslated(t, ps["bedrock"], api.OpenAIChat, "jp.anthropic.claude-x-v1:0",
		`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}]}`, nil)
	if ae, ok := err.(*api.Error); !ok || ae.Status != 400 || !strings.Contains(ae.Message, "Claude on Bedrock does not accept images by URL") {
		t.Errorf("image URL on Bedrock: %v", err)
	}
	_, _, err = prepareTranslated(t, ps["anthropic"], api.OpenAIResponses, "claude-x", `{"input":"hi","previous_response_id":"resp_1"}`, nil)
	if ae, ok := err.(*api.Error); !ok || ae.Status != 400 || !strings.Contains(ae.Message, "previous_response_id needs state stored at OpenAI") {
		t.Errorf("responses on anthropic: %v", err)
	}
}

// The translated view's plans: errors reshaped into the client's shape (after Bedrock's
// own reshaping), streams and bodies translated, the meter on the upstream's API.
func TestTranslatedPlans(t *testing.T) {
	ps := testProviders(t)
	chat := `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	anth, _, err := prepareTranslated(t, ps["anthropic"], api.OpenAIChat, "claude-x", chat, nil)
	if err != nil {
		t.Fatal(err)
	}
	bed, _, err := prepareTranslated(t, ps["bedrock"], api.OpenAIChat, "jp.anthropic.claude-x-v1:0", chat, nil)
	if err != nil {
		t.Fatal(err)
	}
	oai, _, err := prepareTranslated(t, ps["openai"], api.AnthropicMessages, "gpt-5.1", `{"stream":true,"messages":[]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	sse := planShape{Body: BodyTranslate, Stream: true, Set: "content-type=text/event-stream;", Remove: "content-length", Funcs: "translator "}
	for _, tc := range []struct {
		name string
		p    Provider
		r    Response
		want planShape
	}{
		{"anthropic sse", anth, Response{Status: 200, ContentType: "text/event-stream"}, withUpstream(sse, api.AnthropicMessages)},
		{"anthropic json", anth, Response{Status: 200, ContentType: "application/json"},
			planShape{Body: BodyTranslate, Upstream: api.AnthropicMessages, Funcs: "translator "}},
		{"anthropic error", anth, Response{Status: 429, ContentType: "application/json"}, planShape{Body: BodyReshape, Funcs: "reshape"}},
		{"anthropic error without JSON", anth, Response{Status: 502, ContentType: "text/html"}, planShape{Body: BodyReshape, Funcs: "reshape"}},
		{"anthropic gzip", anth, Response{Status: 200, ContentType: "text/event-stream", ContentEncoding: "gzip"}, withUpstream(sse, api.AnthropicMessages)},
		{"anthropic other content", anth, Response{Status: 200, ContentType: "text/plain"}, planShape{}},
		{"bedrock event stream", bed, Response{Status: 200, ContentType: api.MediaEventStream}, withUpstream(sse, api.BedrockInvokeStream)},
		{"openai sse", oai, Response{Status: 200, ContentType: "text/event-stream"}, withUpstream(sse, api.OpenAIChat)},
	} {
		if got := shapeOf(tc.p.PlanResponse(tc.r)); got != tc.want {
			t.Errorf("%s: plan %+v, want %+v", tc.name, got, tc.want)
		}
	}

	// Bedrock's JSON error becomes Anthropic's shape (its own reshape), then OpenAI's.
	plan := bed.PlanResponse(Response{Status: 400, ContentType: "application/json"})
	out := plan.Reshape([]byte(`{"message":"Malformed input request: bad"}`))
	if gjson.GetBytes(out, "error.message").Str == "" || gjson.GetBytes(out, "type").Exists() {
		t.Errorf("Bedrock error for a Chat client: %s", out)
	}
	// A compressed body is not translated: the client gets an error in its shape.
	plan = anth.PlanResponse(Response{Status: 200, ContentType: "text/event-stream", ContentEncoding: "br"})
	s := &recordingSink{}
	got, err := plan.Translator(s).Translate([]byte("\x1b\x00"), true)
	if !errors.Is(err, translate.ErrEncoded) || !strings.HasPrefix(string(got), `data: {"error":`) || len(s.fails) != 1 {
		t.Errorf("compressed body: %q, %v, sink failures %v", got, err, s.fails)
	}
}

func withUpstream(p planShape, k api.Kind) planShape { p.Upstream = k; return p }

// BenchmarkTranslationUntranslated is all an untranslated request pays for translation:
// the check that its provider speaks its API.
func BenchmarkTranslationUntranslated(b *testing.B) {
	p, err := New(Config{Name: "a", Type: "anthropic", APIKey: "k"}, Deps{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Translation(p, api.AnthropicMessages, "claude-sonnet-4-5"); ok {
			b.Fatal("translated")
		}
	}
}
