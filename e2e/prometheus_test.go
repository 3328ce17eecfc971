//go:build unix

package e2e

import (
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/pricing"
)

// promCall is one request of TestPrometheus's traffic and how tollgate should price it
// (the query the routes of testdata/tollgate.yaml make, written out by hand).
type promCall struct {
	name     string
	key      string
	model    string
	provider string
	api      string // messages, chat or responses
	stream   bool
	fixture  string
	price    pricing.Query
}

// promTraffic: both teams, the three providers of the default stack, every client API,
// streamed and not; all of the models have a built-in price.
func promTraffic() []promCall {
	claude := pricing.Query{ProviderType: "anthropic", UpstreamModel: claudeModel, ClientModel: claudeModel}
	gpt := pricing.Query{ProviderType: "openai", UpstreamModel: "gpt-5.1", ClientModel: "gpt-5.1"}
	azure := pricing.Query{PricingModel: "gpt-5.1", ProviderType: "azure_openai", UpstreamModel: "gpt-51-prod", ClientModel: "gpt-5.1-azure"}
	return []promCall{
		{"anthropic messages", keyTeamA, claudeModel, "anthropic", "messages", false, "anthropic", claude},
		{"anthropic messages streamed", keyTeamB, claudeModel, "anthropic", "messages", true, "anthropic_stream", claude},
		{"openai chat streamed", keyTeamA, "gpt-5.1", "openai", "chat", true, "openai_chat_stream", gpt},
		{"openai responses", keyTeamB, "gpt-5.1", "openai", "responses", false, "openai_responses", gpt},
		{"azure chat", keyTeamA, "gpt-5.1-azure", "azure-east", "chat", false, "openai_chat", azure},
		{"azure responses streamed", keyTeamB, "gpt-5.1-azure", "azure-east", "responses", true, "openai_responses_stream", azure},
	}
}

// TestPrometheus: a real Prometheus (Debian's package in CI) scrapes tollgate's admin
// server while traffic goes through the harness; its HTTP API must report as many
// tokens and dollars as the fixtures' usage priced with the built-in table, and
// `promtool check metrics` must find nothing to say about tollgate's exposition.
func TestPrometheus(t *testing.T) {
	tools := lookPromTools(t)
	s := startStack(t, nil)
	prom := startPrometheus(t, tools, strings.TrimPrefix(s.AdminURL, "http://"))

	fx := fixtures(t)
	prices, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wantTokens, wantCost float64
	wantByProvider := map[string]float64{}
	for _, c := range promTraffic() {
		u := fx[c.fixture].Usage
		p, _, ok := prices.Resolve(c.price)
		if !ok {
			t.Fatalf("%s: %+v has no built-in price", c.name, c.price)
		}
		cost := p.Cost(u)
		if cost <= 0 {
			t.Fatalf("%s: the fixture's usage costs %v", c.name, cost)
		}
		n := float64(u.Input + u.Output + u.CacheRead + u.CacheWrite)
		wantTokens += n
		wantCost += cost
		wantByProvider[c.provider] += n

		sendPromCall(t, s.URL, c, u)
	}
	s.checkProviders(t)

	const wait = 20 * time.Second
	if got, ok := prom.waitFor(t, "sum(tollgate_tokens_total)", wait, func(v []promSample) bool {
		return len(v) == 1 && v[0].Value == wantTokens
	}); !ok {
		t.Errorf("Prometheus sum(tollgate_tokens_total) = %v after %s, want %v", got, wait, wantTokens)
	}
	if got, ok := prom.waitFor(t, "sum by (provider) (tollgate_tokens_total)", wait, func(v []promSample) bool {
		return equalByLabel(v, "provider", wantByProvider)
	}); !ok {
		t.Errorf("Prometheus sum by (provider) (tollgate_tokens_total) = %v, want %v", got, wantByProvider)
	}
	if got, ok := prom.waitFor(t, "sum(tollgate_cost_usd_total)", wait, func(v []promSample) bool {
		return len(v) == 1 && math.Abs(v[0].Value-wantCost) <= 1e-9*wantCost
	}); !ok {
		t.Errorf("Prometheus sum(tollgate_cost_usd_total) = %v after %s, want %v", got, wait, wantCost)
	}

	exposition := getMetrics(t, s.AdminURL)
	if out, err := promtoolCheckMetrics(t, tools, exposition); err != nil || out != "" {
		t.Errorf("promtool check metrics on tollgate's /metrics: %v\n%s", err, out)
	}
}

// sendPromCall makes one SDK call through the harness and checks the SDK saw the
// fixture's usage (so the request did reach the provider and came back whole).
func sendPromCall(t *testing.T, base string, c promCall, want usage.Usage) {
	t.Helper()
	rec := newRecorder()
	var prompt, output int64
	switch c.api {
	case "messages":
		prompt, output = sendMessages(t, anthropicClient(base, c.key, rec), c.stream)
	case "chat":
		prompt, output, _ = runChat(t, openAIClient(base, c.key, rec), openAICase{model: c.model, stream: c.stream})
	case "responses":
		prompt, output, _ = runResponses(t, openAIClient(base, c.key, rec), openAICase{model: c.model, stream: c.stream})
	default:
		t.Fatalf("%s: unknown API %q", c.name, c.api)
	}
	if prompt != want.Input+want.CacheRead+want.CacheWrite || output != want.Output {
		t.Fatalf("%s: SDK usage prompt=%d output=%d, fixture prompt=%d output=%d", c.name,
			prompt, output, want.Input+want.CacheRead+want.CacheWrite, want.Output)
	}
}

// sendMessages sends userMessage() with anthropic-sdk-go and returns the usage it parsed
// (prompt tokens including the cache).
func sendMessages(t *testing.T, c anthropic.Client, stream bool) (prompt, output int64) {
	t.Helper()
	u := messages(t, c, userMessage(), stream).Usage
	return u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens, u.OutputTokens
}

// equalByLabel reports whether v holds exactly one sample per key of want, labelled
// label=key, with want's value.
func equalByLabel(v []promSample, label string, want map[string]float64) bool {
	if len(v) != len(want) {
		return false
	}
	for _, s := range v {
		w, ok := want[s.Labels[label]]
		if !ok || s.Value != w {
			return false
		}
	}
	return true
}

// getMetrics returns the body of tollgate's /metrics in the text exposition format.
func getMetrics(t *testing.T, adminURL string) []byte {
	t.Helper()
	resp, err := http.Get(adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("content-type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: content-type %q, want the text format", ct)
	}
	return body
}
