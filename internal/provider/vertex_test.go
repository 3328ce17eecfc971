package provider

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// vertexFakeTokens is a token source that counts calls and can fail.
type vertexFakeTokens struct {
	tok   string
	err   error
	calls int
}

func (f *vertexFakeTokens) Token(context.Context) (string, error) {
	f.calls++
	return f.tok, f.err
}

func newFakeVertex(t *testing.T, region string, tokens vertexTokenSource, deps Deps) *vertexProvider {
	t.Helper()
	p, err := New(Config{Name: "vertex-test", Type: "vertex", Project: "my-proj", Region: region}, deps)
	if err != nil {
		t.Fatal(err)
	}
	vp := p.(*vertexProvider)
	vp.tokens = tokens
	return vp
}

func TestVertexRequests(t *testing.T) {
	const base = "/v1/projects/my-proj/locations/us-east5"
	tests := []struct {
		name     string
		api      api.Kind
		stream   bool
		upstream string
		body     string // a testdata/vertex_body input; "" for the native body below
		wantPath string
	}{
		{"messages", api.AnthropicMessages, false, "claude-sonnet-4-5@20250929", "messages",
			base + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"},
		{"messages_stream", api.AnthropicMessages, true, "claude-sonnet-4-5@20250929", "messages_stream",
			base + "/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"},
		{"count_tokens", api.AnthropicCountTokens, false, "claude-sonnet-4-5@20250929", "count_tokens",
			base + "/publishers/anthropic/models/count-tokens:rawPredict"},
		{"chat", api.OpenAIChat, true, "gemini-2.5-pro", "chat",
			base + "/endpoints/openapi/chat/completions"},
		{"native_raw", api.VertexRawPredict, false, "claude-opus-4-1@20250805", "",
			base + "/publishers/anthropic/models/claude-opus-4-1@20250805:rawPredict"},
		{"native_stream", api.VertexStreamRawPredict, true, "claude-opus-4-1@20250805", "",
			base + "/publishers/anthropic/models/claude-opus-4-1@20250805:streamRawPredict"},
	}
	tokens := &vertexFakeTokens{tok: "ya29.fake"}
	p := newFakeVertex(t, "us-east5", tokens, Deps{})
	native := []byte(`{"anthropic_version":"vertex-2023-10-16","max_tokens":3,"messages":[],"stream":true}`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := native
			if tc.body != "" {
				body = bedrockReadFile(t, "vertex_body/"+tc.body+".in.json")
			}
			m, err := p.Prepare(context.Background(), &Request{
				API: tc.api, Path: "/client/path", Headers: http.Header{"anthropic-beta": {"interleaved-thinking-2025-05-14"}}, Body: body,
				ClientModel: "client-model", UpstreamModel: tc.upstream, Stream: tc.stream,
			})
			if err != nil {
				t.Fatal(err)
			}
			if m.Path != tc.wantPath {
				t.Errorf("path = %q, want %q", m.Path, tc.wantPath)
			}
			if got := bedrockHeader(m, "authorization"); got != "Bearer ya29.fake" {
				t.Errorf("authorization = %q", got)
			}
			if len(m.RemoveHeaders) != 0 {
				t.Errorf("an accepted anthropic-beta stays a header on Vertex, untouched; removed %v", m.RemoveHeaders)
			}
			if tc.body == "" {
				if string(m.Body) != string(native) {
					t.Fatalf("a native body must pass unchanged: %s", m.Body)
				}
				return
			}
			bedrockGolden(t, "vertex_body/"+tc.name+".want.json", m.Body)
		})
	}
}

func TestVertexNativeCountTokensSetsModel(t *testing.T) {
	p := newFakeVertex(t, "global", &vertexFakeTokens{tok: "t"}, Deps{})
	m, err := p.Prepare(context.Background(), &Request{
		API: api.VertexCountTokens, Body: []byte(`{"anthropic_version":"vertex-2023-10-16","model":"claude-x","messages":[]}`),
		UpstreamModel: "claude-x@2025",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != "/v1/projects/my-proj/locations/global/publishers/anthropic/models/count-tokens:rawPredict" ||
		gjson.GetBytes(m.Body, "model").Str != "claude-x@2025" {
		t.Fatalf("path %q body %s", m.Path, m.Body)
	}
}

func TestVertexHost(t *testing.T) {
	tests := []struct{ region, want string }{
		{"global", "aiplatform.googleapis.com"},
		{"us", "aiplatform.us.rep.googleapis.com"},
		{"eu", "aiplatform.eu.rep.googleapis.com"},
		{"us-east5", "us-east5-aiplatform.googleapis.com"},
		{"europe-west1", "europe-west1-aiplatform.googleapis.com"},
	}
	for _, tc := range tests {
		p := newFakeVertex(t, tc.region, &vertexFakeTokens{}, Deps{})
		if got := p.Host(); got != tc.want {
			t.Errorf("Host() for %q = %q, want %q", tc.region, got, tc.want)
		}
	}
}

func TestVertexRejects(t *testing.T) {
	p := newFakeVertex(t, "global", &vertexFakeTokens{tok: "t"}, Deps{})
	tests := []struct {
		name     string
		kind     api.Kind
		upstream string
	}{
		{"openai chat for a claude model", api.OpenAIChat, "claude-sonnet-4-5"},
		{"openai responses", api.OpenAIResponses, "gemini-2.5-pro"},
		{"bedrock native", api.BedrockInvoke, "claude-x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Prepare(context.Background(), &Request{API: tc.kind, Body: []byte(`{}`), UpstreamModel: tc.upstream})
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("err = %v, want a 400 *api.Error", err)
			}
		})
	}
}
