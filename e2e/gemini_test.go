package e2e

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genai"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
	"github.com/tollgate/tollgate/pricing"
)

// Gemini's native API (Gemini CLI's), routed by testdata/tollgate.yaml: gemini-2.5-flash
// to the vertex provider, every other gemini-* model to the gemini provider.
const (
	geminiKey        = "gemini-e2e-provider-key"
	geminiModel      = "gemini-2.5-pro"   // → gemini
	geminiVertex     = "gemini-2.5-flash" // → vertex
	geminiVertexPath = "/v1/projects/e2e-project/locations/global/publishers/google/models/"
)

// geminiOpts shape the generated answers of both fake upstreams.
var geminiOpts = mock.Options{Words: 7, ChunkBytes: 11}

// geminiStack starts the stack with the gemini cluster served by the mock's generated
// Gemini API and the vertex cluster by the fake Vertex AI (its Gemini models generated
// the same way, its tokens from a fake Google token server).
func geminiStack(t *testing.T) *stack {
	t.Helper()
	ts := vertexEnv(t)
	v := mock.NewVertex(mock.VertexOptions{Name: "vertex", Host: vertexHost, Project: vertexProject, Region: "global",
		Tokens: ts, ClientKeys: clientKeys, Gemini: &geminiOpts})
	g := mock.NewProvider(mock.ProviderOptions{Name: "gemini", Auth: mock.GeminiAuth(geminiKey),
		ClientKeys: clientKeys, Handler: mock.New(geminiOpts, nil)})
	return startStack(t, map[string]*mock.Provider{"gemini": g, "vertex": v.Provider})
}

func genaiClient(t *testing.T, base, key string, rec *recorder) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: key, Backend: genai.BackendGeminiAPI, HTTPClient: rec.client(),
		HTTPOptions: genai.HTTPOptions{BaseURL: base},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGemini drives Google's Gen AI SDK for Go (what Gemini CLI's JavaScript SDK is to
// Node) through the Envoy stand-in to the gemini and vertex providers, streamed and not:
// the SDK gets the mock's answer, the upstream gets the client's body byte for byte with
// the provider's credential and never the client's key, and tollgate's tokens and cost
// are the mock's usage priced from the built-in table.
func TestGemini(t *testing.T) {
	prices, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText("Be brief.", genai.RoleUser),
		ThinkingConfig:    &genai.ThinkingConfig{IncludeThoughts: true},
	}
	for _, tc := range []struct {
		name, model, provider, providerType, path, query string
		stream                                           bool
	}{
		{"gemini", geminiModel, "gemini", "gemini", "/v1beta/models/" + geminiModel + ":generateContent", "", false},
		{"gemini streamed", geminiModel, "gemini", "gemini", "/v1beta/models/" + geminiModel + ":streamGenerateContent", "alt=sse", true},
		{"vertex", geminiVertex, "vertex", "vertex", geminiVertexPath + geminiVertex + ":generateContent", "", false},
		{"vertex streamed", geminiVertex, "vertex", "vertex", geminiVertexPath + geminiVertex + ":streamGenerateContent", "alt=sse", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := geminiStack(t)
			rec := newRecorder()
			c := genaiClient(t, s.URL, keyTeamA, rec)
			kind := api.GeminiGenerateContent
			var text string
			var sdkUsage *genai.GenerateContentResponseUsageMetadata
			if tc.stream {
				kind = api.GeminiStreamGenerateContent
				for r, err := range c.Models.GenerateContentStream(context.Background(), tc.model, genai.Text("hello there"), cfg) {
					if err != nil {
						t.Fatal(err)
					}
					text += answer(r)
					sdkUsage = r.UsageMetadata
				}
			} else {
				r, err := c.Models.GenerateContent(context.Background(), tc.model, genai.Text("hello there"), cfg)
				if err != nil {
					t.Fatal(err)
				}
				text, sdkUsage = answer(r), r.UsageMetadata
			}
			s.checkProviders(t)
			if text != mock.Reply(geminiOpts) {
				t.Errorf("the SDK's answer %q, want the mock's %q", text, mock.Reply(geminiOpts))
			}
			ex := s.Providers[tc.provider].Exchanges()
			if len(ex) != 1 {
				t.Fatalf("provider %s got %d requests", tc.provider, len(ex))
			}
			sent, received := rec.last(t)
			if ex[0].Path != tc.path || ex[0].Query != tc.query {
				t.Errorf("upstream %s?%s, want %s?%s", ex[0].Path, ex[0].Query, tc.path, tc.query)
			}
			if !bytes.Equal(ex[0].Body, sent) {
				t.Errorf("request body changed on the way:\n got  %s\n want %s", ex[0].Body, sent)
			}
			if !bytes.Equal(ex[0].Sent, received) {
				t.Errorf("response body changed on the way (%d bytes sent, %d received)", len(ex[0].Sent), len(received))
			}
			want := mock.ExpectedUsage(kind.String(), sent, geminiOpts)
			if got := fromGenai(sdkUsage); got != want || want.Reasoning == 0 {
				t.Errorf("SDK usage %+v, mock's %+v (with reasoning)", got, want)
			}
			if got := tokens(t, s.GW.Registry(), "platform", tc.model, tc.provider); !maps.Equal(got, wantTokens(want)) {
				t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
			}
			p, _, ok := prices.Resolve(pricing.Query{ProviderType: tc.providerType, UpstreamModel: tc.model, ClientModel: tc.model})
			if !ok {
				t.Fatalf("%s has no built-in price", tc.model)
			}
			if got, wantCost := costUSD(t, s.GW.Registry(), "platform", tc.model, tc.provider), p.Cost(want); wantCost <= 0 || !closeTo(got, wantCost) {
				t.Errorf("tollgate_cost_usd_total %v, want %v", got, wantCost)
			}
			checkAccessLog(t, s, "platform", tc.model, tc.provider, want)
			if path, _ := s.H.AccessLog()[0]["path"].(string); path != tc.path {
				t.Errorf("access log path %q, want %q", path, tc.path)
			}
		})
	}
}

// TestGeminiQueryKey: a client that sends its key as ?key= (curl, Google's REST samples)
// is authenticated by it; the upstream never sees it, alt=sse passes, the stream is
// metered, and the request is the platform team's.
func TestGeminiQueryKey(t *testing.T) {
	s := geminiStack(t)
	body := `{"contents":[{"role":"user","parts":[{"text":"hello there"}]}]}`
	for _, tc := range []struct{ path, query, upstreamQuery string }{
		{"/v1beta/models/" + geminiModel + ":streamGenerateContent", "key=" + keyTeamA + "&alt=sse", "alt=sse"},
		{"/v1/models/" + geminiModel + ":countTokens", "key=" + keyTeamA, ""},
	} {
		resp, err := http.Post(s.URL+tc.path+"?"+tc.query, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.path, resp.StatusCode, got)
		}
		ex := s.Providers["gemini"].Exchanges()
		last := ex[len(ex)-1]
		if last.Path != tc.path || last.Query != tc.upstreamQuery || last.Header.Get("x-goog-api-key") != geminiKey {
			t.Errorf("upstream %s?%s key %q", last.Path, last.Query, last.Header.Get("x-goog-api-key"))
		}
	}
	s.checkProviders(t)
	want := mock.ExpectedUsage(api.GeminiStreamGenerateContent.String(), []byte(body), geminiOpts)
	if got := tokens(t, s.GW.Registry(), "platform", geminiModel, "gemini"); !maps.Equal(got, wantTokens(want)) {
		t.Errorf("tollgate_tokens_total %v, want %v (countTokens adds none)", got, wantTokens(want))
	}
	for _, l := range s.H.AccessLog() {
		if p, _ := l["path"].(string); strings.Contains(p, keyTeamA) {
			t.Errorf("the access log has the key: %q", p)
		}
	}
}

// TestGeminiErrorsThroughEnvoy: tollgate's own answers reach the SDK as Google errors
// (genai.APIError with code and status).
func TestGeminiErrorsThroughEnvoy(t *testing.T) {
	s := geminiStack(t)
	for _, tc := range []struct {
		name, key, model string
		code             int
		status           string
	}{
		{"wrong key", "nope", geminiModel, 401, "UNAUTHENTICATED"},
		{"unknown model", keyTeamA, "llama-3", 404, "NOT_FOUND"},
		// go-genai itself refuses a model with ".." (as js-genai's tModel does).
		{"model with a space", keyTeamA, "gemini 2.5 pro", 400, "INVALID_ARGUMENT"},
		{"over-long model", keyTeamA, "gemini-" + strings.Repeat("x", 300), 400, "INVALID_ARGUMENT"},
		{"model routed to anthropic", keyTeamA, "claude-opus-4-7", 400, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := genaiClient(t, s.URL, tc.key, newRecorder())
			_, err := c.Models.GenerateContent(context.Background(), tc.model, genai.Text("hi"), nil)
			ae, ok := err.(genai.APIError)
			if !ok || ae.Code != tc.code || ae.Status != tc.status || ae.Message == "" {
				t.Errorf("error %#v, want %d %s", err, tc.code, tc.status)
			}
		})
	}
	for name, p := range s.Providers {
		if n := len(p.Exchanges()); n != 0 {
			t.Errorf("provider %s got %d requests", name, n)
		}
	}
}

func answer(r *genai.GenerateContentResponse) string {
	var b strings.Builder
	for _, c := range r.Candidates {
		if c.Content == nil {
			continue
		}
		for _, p := range c.Content.Parts {
			if !p.Thought {
				b.WriteString(p.Text)
			}
		}
	}
	return b.String()
}

func fromGenai(u *genai.GenerateContentResponseUsageMetadata) usage.Usage {
	if u == nil {
		return usage.Usage{}
	}
	return usage.Usage{
		Input:     int64(u.PromptTokenCount-u.CachedContentTokenCount) + int64(u.ToolUsePromptTokenCount),
		CacheRead: int64(u.CachedContentTokenCount),
		Output:    int64(u.CandidatesTokenCount + u.ThoughtsTokenCount),
		Reasoning: int64(u.ThoughtsTokenCount),
	}
}

func closeTo(a, b float64) bool { d := a - b; return d < 1e-12 && d > -1e-12 }
