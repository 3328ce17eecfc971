package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

func TestGeminiNativeRequests(t *testing.T) {
	gp, err := New(Config{Name: "gem", Type: "gemini", APIKey: "gem-key"}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	vp := newFakeVertex(t, "global", &vertexFakeTokens{tok: "ya29.fake"}, Deps{})
	const vbase = "/v1/projects/my-proj/locations/global/publishers/google/models/"
	body := []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`)
	for _, tc := range []struct {
		name     string
		p        Provider
		kind     api.Kind
		path     string // the client's path
		query    string
		upstream string
		wantPath string
		wantHdr  [2]string
	}{
		{"gemini stream", gp, api.GeminiStreamGenerateContent, "/v1beta/models/g:streamGenerateContent", "alt=sse&key=client-key",
			"gemini-2.5-pro", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", [2]string{"x-goog-api-key", "gem-key"}},
		{"gemini v1 generate", gp, api.GeminiGenerateContent, "/v1/models/g:generateContent", "key=client-key",
			"gemini-2.5-flash", "/v1/models/gemini-2.5-flash:generateContent", [2]string{"x-goog-api-key", "gem-key"}},
		{"gemini count, models/ prefix", gp, api.GeminiCountTokens, "/v1beta/models/g:countTokens", "",
			"models/gemini-2.5-pro", "/v1beta/models/gemini-2.5-pro:countTokens", [2]string{"x-goog-api-key", "gem-key"}},
		{"gemini escapes the upstream model", gp, api.GeminiGenerateContent, "/v1beta/models/g:generateContent", "",
			"tuned/x y", "/v1beta/models/tuned%2Fx%20y:generateContent", [2]string{"x-goog-api-key", "gem-key"}},
		{"vertex stream", vp, api.GeminiStreamGenerateContent, "/v1beta/models/g:streamGenerateContent", "key=k&alt=sse",
			"gemini-2.5-pro", vbase + "gemini-2.5-pro:streamGenerateContent?alt=sse", [2]string{"authorization", "Bearer ya29.fake"}},
		{"vertex google/ prefix", vp, api.GeminiCountTokens, "/v1/models/g:countTokens", "",
			"google/gemini-2.5-flash", vbase + "gemini-2.5-flash:countTokens", [2]string{"authorization", "Bearer ya29.fake"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{API: tc.kind, Method: "POST", Path: tc.path, Query: tc.query, Body: body,
				ClientModel: "g", UpstreamModel: tc.upstream, Headers: http.Header{}}
			m, err := tc.p.Prepare(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if m.Path != tc.wantPath {
				t.Errorf("path %q, want %q", m.Path, tc.wantPath)
			}
			if m.Body != nil && string(m.Body) != string(body) {
				t.Errorf("body changed: %s", m.Body)
			}
			found := false
			for _, h := range m.SetHeaders {
				found = found || h == HeaderValue{Key: tc.wantHdr[0], Value: tc.wantHdr[1]}
				if strings.Contains(h.Value, "client-key") {
					t.Errorf("client key in %s", h.Key)
				}
			}
			if !found {
				t.Errorf("headers %v, want %s", m.SetHeaders, tc.wantHdr)
			}
			if strings.Contains(m.Path, "key=") {
				t.Errorf("the client's key went upstream: %s", m.Path)
			}
		})
	}
}

func TestGeminiNativeRefusals(t *testing.T) {
	vp := newFakeVertex(t, "global", &vertexFakeTokens{tok: "t"}, Deps{})
	r := &Request{API: api.GeminiGenerateContent, Path: "/v1beta/models/c:generateContent", Body: []byte(`{}`),
		UpstreamModel: "claude-sonnet-4-5@20250929"}
	if _, err := vp.Prepare(context.Background(), r); err == nil || !strings.Contains(err.Error(), "Google models only") {
		t.Errorf("vertex with a Claude model: %v", err)
	}
	for _, typ := range []Config{
		{Name: "a", Type: "anthropic", APIKey: "k"}, {Name: "o", Type: "openai", APIKey: "k"},
		{Name: "az", Type: "azure_openai", APIKey: "k", APIVersion: "v1"},
	} {
		p, err := New(typ, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Prepare(context.Background(), &Request{API: api.GeminiStreamGenerateContent, Body: []byte(`{}`), UpstreamModel: "m"})
		ae, ok := err.(*api.Error)
		if !ok || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, "type "+typ.Type) ||
			!strings.Contains(ae.Message, "gemini_stream_generate_content") {
			t.Errorf("%s: %v", typ.Type, err)
		}
	}
}

func TestGeminiPlan(t *testing.T) {
	for _, tc := range []struct {
		r    Response
		want ResponsePlan
	}{
		{Response{Client: api.GeminiStreamGenerateContent, Status: 200, ContentType: "text/event-stream"}, ResponsePlan{Body: BodyMeter, Stream: true}},
		{Response{Client: api.GeminiStreamGenerateContent, Status: 200, ContentType: "application/json; charset=UTF-8"}, ResponsePlan{Body: BodyMeter, Stream: true}},
		{Response{Client: api.GeminiGenerateContent, Status: 200, ContentType: "application/json; charset=UTF-8"}, ResponsePlan{Body: BodyMeter}},
		{Response{Client: api.GeminiCountTokens, Status: 200, ContentType: "application/json"}, ResponsePlan{}},
		{Response{Client: api.GeminiStreamGenerateContent, Status: 429, ContentType: "application/json"}, ResponsePlan{}},
	} {
		for _, typ := range []Config{{Name: "g", Type: "gemini", APIKey: "k"}, {Name: "v", Type: "vertex", Project: "p", Region: "global"}} {
			p, err := New(typ, Deps{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.PlanResponse(tc.r); got.Body != tc.want.Body || got.Stream != tc.want.Stream {
				t.Errorf("%s %+v: plan %+v, want %+v", typ.Type, tc.r, got, tc.want)
			}
		}
	}
}
