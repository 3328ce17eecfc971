package smoke

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

const clientKey = "smoke-key"

// fakeGateway answers each client API as a gateway in front of a provider would, with
// the recorded streams of llm/usage/testdata; it checks the client key in each API's
// own header and records the requests. fail maps a path to a status to answer instead.
type fakeGateway struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "path model stream"
}

func newFakeGateway(t *testing.T, fail map[string]int) *fakeGateway {
	t.Helper()
	fx, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	body := func(name string) []byte {
		for _, f := range fx {
			if f.Name == name {
				b, err := f.Body()
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		t.Fatalf("no fixture %s", name)
		return nil
	}
	streams := map[string][]byte{
		"/v1/messages":         body("anthropic_stream"),
		"/v1/chat/completions": body("openai_chat_stream"),
		"/v1/responses":        body("openai_responses_stream"),
	}
	gemini := body("gemini_stream")
	g := &fakeGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		key := r.Header.Get("x-api-key")
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/chat") || r.URL.Path == "/v1/responses":
			key = strings.TrimPrefix(r.Header.Get("authorization"), "Bearer ")
		case strings.HasPrefix(r.URL.Path, "/v1beta/models/"):
			key = r.Header.Get("x-goog-api-key")
		}
		if key != clientKey {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		g.mu.Lock()
		g.seen = append(g.seen, fmt.Sprintf("%s %s %v", r.URL.Path, gjson.GetBytes(b, "model").Str, gjson.GetBytes(b, "stream").Bool()))
		g.mu.Unlock()
		if code := fail[r.URL.Path]; code != 0 {
			http.Error(w, `{"error":{"message":"provider down"}}`, code)
			return
		}
		if r.URL.Path == "/v1/messages/count_tokens" {
			if !gjson.GetBytes(b, "messages").IsArray() || gjson.GetBytes(b, "max_tokens").Exists() {
				http.Error(w, `{"error":{"message":"not a count_tokens body"}}`, http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"input_tokens":13}`)
			return
		}
		if model, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v1beta/models/"), ":"); ok && model != "" {
			serveGemini(w, r, method, b, gemini)
			return
		}
		s, ok := streams[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(s)
	}))
	t.Cleanup(g.Close)
	return g
}

// serveGemini answers Gemini's native API as the Gen AI SDKs call it: countTokens with
// a count, streamGenerateContent?alt=sse with the recorded stream.
func serveGemini(w http.ResponseWriter, r *http.Request, method string, body, stream []byte) {
	if !gjson.GetBytes(body, "contents.0.parts.0.text").Exists() {
		http.Error(w, `{"error":{"code":400,"message":"no contents","status":"INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	switch {
	case method == "countTokens" && r.URL.RawQuery == "" && !gjson.GetBytes(body, "generationConfig").Exists():
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"totalTokens":11}`)
	case method == "streamGenerateContent" && r.URL.RawQuery == "alt=sse" && gjson.GetBytes(body, "generationConfig.maxOutputTokens").Int() > 0:
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(stream)
	default:
		http.Error(w, `{"error":{"code":404,"message":"not a method the clients call","status":"NOT_FOUND"}}`, http.StatusNotFound)
	}
}

func (g *fakeGateway) requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.seen...)
}

func TestSelection(t *testing.T) {
	for _, tc := range []struct {
		apis, model, typ string
		want             []api.Kind
	}{
		{"primary", "gpt-5.1", "openai", []api.Kind{api.OpenAIChat}},
		{"all", "gpt-5.1", "azure_openai", []api.Kind{api.OpenAIChat, api.OpenAIResponses}},
		{"all", "claude-x", "bedrock", []api.Kind{api.AnthropicMessages, api.AnthropicCountTokens}},
		{"all", "gemini-2.5-pro", "gemini", []api.Kind{api.OpenAIChat, api.GeminiStreamGenerateContent, api.GeminiCountTokens}},
		// Vertex serves Gemini models in Chat and in Gemini's native API.
		{"all", "gemini-2.5-pro", "vertex", []api.Kind{api.OpenAIChat, api.GeminiStreamGenerateContent, api.GeminiCountTokens}},
		{"gemini", "gemini-2.5-flash", "vertex", []api.Kind{api.GeminiStreamGenerateContent}},
		{"gemini", "claude-x", "anthropic", nil},
		{"gemini", "gpt-5.1", "openai", nil},
		{"count_tokens", "gemini-2.5-pro", "gemini", []api.Kind{api.GeminiCountTokens}},
		{"count_tokens", "claude-x", "vertex", []api.Kind{api.AnthropicCountTokens}},
		{"primary,gemini", "gemini-3-pro-preview", "", []api.Kind{api.OpenAIChat, api.GeminiStreamGenerateContent}}, // no config: by name
		{"count_tokens", "gpt-5.1", "openai", nil},
		{"primary,responses", "claude-x", "", []api.Kind{api.AnthropicMessages}}, // no config: by name
		{"primary, responses", "o3", "", []api.Kind{api.OpenAIChat, api.OpenAIResponses}},
	} {
		sel, err := ParseSelection(tc.apis)
		if err != nil {
			t.Fatal(err)
		}
		var got []api.Kind
		for _, tg := range sel.Targets(tc.model, "p", tc.typ) {
			got = append(got, tg.API)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("-apis %s, %s on %q: %v, want %v", tc.apis, tc.model, tc.typ, got, tc.want)
		}
	}
	if _, err := ParseSelection("primary,embeddings"); err == nil || !strings.Contains(err.Error(), `unknown API "embeddings"`) {
		t.Errorf("err = %v", err)
	}
	if s, _ := ParseSelection("primary"); s.Extra() {
		t.Error("primary alone is no extra API")
	}
}

// TestRunEveryAPI: the Responses API and count_tokens are tried as clients send them,
// each metered (or counted) from the answer, and priced except the count.
func TestRunEveryAPI(t *testing.T) {
	g := newFakeGateway(t, nil)
	sel, _ := ParseSelection("all")
	targets := append(sel.Targets("claude-sonnet-4-5", "anthropic", "anthropic"), sel.Targets("gpt-5.1", "azure", "azure_openai")...)
	priced := 0
	results := Run(context.Background(), Options{Gateway: g.URL, Key: clientKey, Timeout: 5 * time.Second,
		Price: func(Target, usage.Usage) (float64, bool) { priced++; return 0.5, true }}, targets)
	if len(results) != 4 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if !r.OK() {
			t.Errorf("%s %s: %v", r.Model, r.API, r.Err)
		}
	}
	if c := results[1]; c.API != api.AnthropicCountTokens || c.Usage.Input != 13 || c.Priced || c.TTFT != 0 {
		t.Errorf("count_tokens result %+v", c)
	}
	if r := results[3]; r.API != api.OpenAIResponses || r.Usage.Output == 0 || r.TTFT == 0 || !r.Priced {
		t.Errorf("responses result %+v", r)
	}
	if priced != 3 {
		t.Errorf("priced %d results, want the 3 completions", priced)
	}
	want := []string{"/v1/messages claude-sonnet-4-5 true", "/v1/messages/count_tokens claude-sonnet-4-5 false",
		"/v1/chat/completions gpt-5.1 true", "/v1/responses gpt-5.1 true"}
	if got := g.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

// TestRunGeminiNative: a Gemini model is tried in Gemini's native API as Gemini CLI
// calls it (the model in the path, the key in x-goog-api-key, the stream as SSE), its
// usage read from the stream and priced; countTokens is counted, not priced.
func TestRunGeminiNative(t *testing.T) {
	g := newFakeGateway(t, nil)
	sel, _ := ParseSelection("gemini,count_tokens")
	targets := sel.Targets("gemini-2.5-pro", "gemini", "gemini")
	var priced []api.Kind
	results := Run(context.Background(), Options{Gateway: g.URL, Key: clientKey, Timeout: 5 * time.Second,
		Price: func(t Target, _ usage.Usage) (float64, bool) { priced = append(priced, t.API); return 0.25, true }}, targets)
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	stream, count := results[0], results[1]
	fx, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var want usage.Usage
	for _, f := range fx {
		if f.Name == "gemini_stream" {
			want = f.Usage
		}
	}
	if !stream.OK() || stream.API != api.GeminiStreamGenerateContent || stream.Usage != want || want.Output == 0 ||
		stream.TTFT == 0 || !stream.Priced || stream.Cost != 0.25 {
		t.Errorf("stream result %+v, want the fixture's usage %+v", stream, want)
	}
	if !count.OK() || count.API != api.GeminiCountTokens || count.Usage.Input != 11 || count.Priced {
		t.Errorf("countTokens result %+v", count)
	}
	if fmt.Sprint(priced) != fmt.Sprint([]api.Kind{api.GeminiStreamGenerateContent}) {
		t.Errorf("priced %v, want the stream alone", priced)
	}
	got := g.requests()
	wantPaths := []string{"/v1beta/models/gemini-2.5-pro:streamGenerateContent  false", "/v1beta/models/gemini-2.5-pro:countTokens  false"}
	if fmt.Sprint(got) != fmt.Sprint(wantPaths) {
		t.Errorf("requests %q, want %q", got, wantPaths)
	}

	// The wrong key is the gateway's 401, reported as the row's failure.
	r := Run(context.Background(), Options{Gateway: g.URL, Key: "nope", Timeout: 5 * time.Second}, targets[:1])[0]
	if r.OK() || r.Status != http.StatusUnauthorized {
		t.Errorf("wrong key: %+v", r)
	}
}

// TestReports: the table names each row's API when asked, the JSON and the JUnit report
// carry every result and each failure.
func TestReports(t *testing.T) {
	g := newFakeGateway(t, map[string]int{"/v1/responses": http.StatusNotFound})
	sel, _ := ParseSelection("all")
	targets := append(sel.Targets("claude-sonnet-4-5", "anthropic", "anthropic"), sel.Targets("gpt-5.1", "openai", "openai")...)
	results := Run(context.Background(), Options{Gateway: g.URL, Key: clientKey, Timeout: 5 * time.Second}, targets)

	var table strings.Builder
	if failed := Print(&table, results, true); failed != 1 {
		t.Errorf("Print: %d failed, want 1", failed)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if h := strings.Join(strings.Fields(lines[0]), " "); h != "MODEL PROVIDER API STATUS TTFT IN OUT CACHE_R CACHE_W COST_USD RESULT" {
		t.Errorf("header %q", h)
	}
	if f := strings.Fields(lines[2]); len(f) < 11 || f[2] != "anthropic_count_tokens" || f[5] != "13" || f[9] != "-" || f[10] != "ok" {
		t.Errorf("count row %q", lines[2])
	}
	if f := strings.Fields(lines[4]); len(f) < 11 || f[2] != "openai_responses" || f[3] != "404" || f[10] != "FAIL:" {
		t.Errorf("failed row %q", lines[4])
	}
	var plain strings.Builder
	Print(&plain, results[:1], false)
	if h := strings.Fields(strings.SplitN(plain.String(), "\n", 2)[0]); len(h) != 10 || h[2] != "STATUS" {
		t.Errorf("table without the API column: %q", h)
	}

	var doc struct {
		OK      bool `json:"ok"`
		Failed  int  `json:"failed"`
		Results []struct {
			Model, Provider, API string
			OK                   bool     `json:"ok"`
			Status               int      `json:"status"`
			TTFTMs               *int64   `json:"ttft_ms"`
			CostUSD              *float64 `json:"cost_usd"`
			Error                *string  `json:"error"`
			Usage                struct{ Input int64 }
		} `json:"results"`
	}
	if err := json.Unmarshal(JSON(results), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OK || doc.Failed != 1 || len(doc.Results) != 4 {
		t.Fatalf("json %+v", doc)
	}
	if r := doc.Results[3]; r.API != "openai_responses" || r.OK || r.Status != 404 || r.Error == nil || !strings.Contains(*r.Error, "provider down") {
		t.Errorf("failed result %+v", r)
	}
	if r := doc.Results[1]; r.TTFTMs != nil || r.CostUSD != nil || r.Usage.Input != 13 || r.Error != nil {
		t.Errorf("count result %+v", r)
	}

	x, err := JUnit(results, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Timestamp string `xml:"timestamp,attr"`
			Cases     []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x, &ju); err != nil {
		t.Fatalf("%v\n%s", err, x)
	}
	if ju.Tests != 4 || ju.Failures != 1 || ju.Suite.Timestamp != "2026-01-02T03:04:05" || len(ju.Suite.Cases) != 4 {
		t.Fatalf("junit %+v", ju)
	}
	c := ju.Suite.Cases[3]
	if c.Name != "gpt-5.1 openai_responses" || c.Classname != "tollgate.smoke.openai" || c.Failure == nil || !strings.HasPrefix(c.Failure.Message, "HTTP 404") {
		t.Errorf("failed case %+v", c)
	}
	if ju.Suite.Cases[0].Failure != nil {
		t.Errorf("an ok case has a failure")
	}
}

// TestCountTokensBadAnswers: a count answer without a positive count fails: Anthropic's
// input_tokens, Gemini's countTokens totalTokens (where Anthropic's field is no count).
func TestCountTokensBadAnswers(t *testing.T) {
	for _, tc := range []struct {
		target     Target
		body, want string
	}{
		{Target{Model: "claude-x", API: api.AnthropicCountTokens}, `{"input_tokens":0}`, "input_tokens is 0"},
		{Target{Model: "claude-x", API: api.AnthropicCountTokens}, `{"tokens":5}`, "the answer has no input_tokens"},
		{Target{Model: "claude-x", API: api.AnthropicCountTokens}, `<html>oops</html>`, "the answer has no input_tokens: <html>oops</html>"},
		{Target{Model: "claude-x", API: api.AnthropicCountTokens}, `{"input_tokens":"5"`, "the answer has no input_tokens"},
		{Target{Model: "claude-x", API: api.AnthropicCountTokens}, `{"input_tokens":"5"}`, "the answer has no input_tokens"},
		{Target{Model: "gemini-2.5-pro", API: api.GeminiCountTokens}, `{"input_tokens":5}`, "the answer has no totalTokens"},
		{Target{Model: "gemini-2.5-pro", API: api.GeminiCountTokens}, `{"totalTokens":0}`, "totalTokens is 0"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) }))
		r := Run(context.Background(), Options{Gateway: srv.URL, Key: clientKey}, []Target{tc.target})[0]
		srv.Close()
		if r.OK() || r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s %s: err %v, want %q", tc.target.API, tc.body, r.Err, tc.want)
		}
	}
}
