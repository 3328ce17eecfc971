package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/envoysim"
	"github.com/tollgate/tollgate/mock"
)

// TestQuickstart is the README's quickstart without Docker: the compose config
// (deploy/tollgate.yaml) behind envoy/envoy.yaml, the built-in mock provider as the
// mock-anthropic, mock-openai and mock-gemini clusters, the README's curl request, and
// Gemini CLI's call.
func TestQuickstart(t *testing.T) {
	opts := mock.Options{Words: 12}
	m := httptest.NewServer(mock.New(opts, nil))
	defer m.Close()

	gw, err := gateway.New(gateway.Options{ConfigPath: filepath.Join(repoRoot(), "deploy", "tollgate.yaml"),
		Listen: "127.0.0.1:0", Admin: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	b, err := envoy.LoadBootstrap(filepath.Join(repoRoot(), "envoy", "envoy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := envoysim.New(envoysim.Options{Bootstrap: b, ExtProcAddr: gw.Addr(),
		Upstreams: map[string]string{"mock-anthropic": m.URL, "mock-openai": m.URL, "mock-gemini": m.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	// The README's curl.
	body := `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequest(http.MethodPost, h.URL()+"/v1/messages", strings.NewReader(body))
	req.Header.Set("x-api-key", "tollgate-demo-key")
	req.Header.Set("content-type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var msg struct {
		Content []struct{ Text string }
		Usage   struct {
			InputTokens  int64 `json:"input_tokens"`
			OutputTokens int64 `json:"output_tokens"`
		}
	}
	if err := json.Unmarshal(raw, &msg); err != nil || len(msg.Content) == 0 || msg.Content[0].Text != mock.Reply(opts) {
		t.Fatalf("reply %s", raw)
	}
	want := mock.ExpectedUsage("anthropic_messages", []byte(body), opts)
	if msg.Usage.InputTokens != want.Input || msg.Usage.OutputTokens != want.Output {
		t.Errorf("usage %+v, want %+v", msg.Usage, want)
	}
	tokens := func(typ string) float64 {
		return testutil.ToFloat64(gw.Metrics().Tokens.WithLabelValues("demo", "claude-sonnet-4-5", "mock-anthropic", typ))
	}
	if tokens("input") != float64(want.Input) || tokens("output") != float64(want.Output) {
		t.Errorf("tollgate_tokens_total input %v output %v, want %+v", tokens("input"), tokens("output"), want)
	}

	// Gemini CLI's call (the README's client guide): streamGenerateContent?alt=sse with the
	// demo key in x-goog-api-key, served by the mock's Gemini API.
	gbody := `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`
	req, _ = http.NewRequest(http.MethodPost, h.URL()+"/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", strings.NewReader(gbody))
	req.Header.Set("x-goog-api-key", "tollgate-demo-key")
	req.Header.Set("content-type", "application/json")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("content-type"), "text/event-stream") {
		t.Fatalf("gemini: %d %s", resp.StatusCode, raw)
	}
	gwant := mock.ExpectedUsage("gemini_stream_generate_content", []byte(gbody), opts)
	gtokens := func(typ string) float64 {
		return testutil.ToFloat64(gw.Metrics().Tokens.WithLabelValues("demo", "gemini-2.5-pro", "mock-gemini", typ))
	}
	if gtokens("input") != float64(gwant.Input) || gtokens("output") != float64(gwant.Output) || gwant.Reasoning == 0 {
		t.Errorf("gemini: tollgate_tokens_total input %v output %v, want %+v", gtokens("input"), gtokens("output"), gwant)
	}
	if cost := testutil.ToFloat64(gw.Metrics().CostUSD.WithLabelValues("demo", "gemini-2.5-pro", "mock-gemini")); cost <= 0 {
		t.Errorf("gemini: cost %v", cost)
	}

	// Without the demo key: 401 in Anthropic's shape.
	req, _ = http.NewRequest(http.MethodPost, h.URL()+"/v1/messages", strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(raw), `"authentication_error"`) {
		t.Errorf("without a key: %d %s", resp.StatusCode, raw)
	}
}
