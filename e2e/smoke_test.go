package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/tollgate/tollgate/cli"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
	"github.com/tollgate/tollgate/mock"
	"github.com/tollgate/tollgate/pricing"
)

// smokeRow is one row of `tollgate smoke`'s table.
type smokeRow struct {
	Model, Provider string
	Status          int
	TTFT            string
	Usage           usage.Usage // input, output, cache_read, cache_write only
	Cost            string      // COST_USD: dollars or "unpriced"
	Result          string      // "ok" or "FAIL: …"
}

// parseSmokeTable reads the table smoke.Print writes: a header, then one row per model
// whose last column (RESULT) may hold spaces.
func parseSmokeTable(t *testing.T, out string) []smokeRow {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if want := []string{"MODEL", "PROVIDER", "STATUS", "TTFT", "IN", "OUT", "CACHE_R", "CACHE_W", "COST_USD", "RESULT"}; !slices.Equal(strings.Fields(lines[0]), want) {
		t.Fatalf("table header %q, want the columns %v\n%s", lines[0], want, out)
	}
	var rows []smokeRow
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 10 {
			t.Fatalf("table row %q has %d columns", l, len(f))
		}
		var n [5]int64
		for i, s := range []string{f[2], f[4], f[5], f[6], f[7]} {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("table row %q: %v", l, err)
			}
			n[i] = v
		}
		rows = append(rows, smokeRow{Model: f[0], Provider: f[1], Status: int(n[0]), TTFT: f[3],
			Usage: usage.Usage{Input: n[1], Output: n[2], CacheRead: n[3], CacheWrite: n[4]},
			Cost:  f[8], Result: strings.Join(f[9:], " ")})
	}
	return rows
}

// runSmoke runs `tollgate smoke` with args in-process and returns its exit code, stdout
// and stderr.
func runSmoke(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := cli.Main(ctx, append([]string{"smoke", "-timeout", "15s"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// smokeWant is the row expected for one model. fixture names the recorded stream the
// provider replays ("" for a failing row); price is the query tollgate's config makes
// for the model (zero: the row must say unpriced).
type smokeWant struct {
	model, provider string
	status          int
	fixture         string
	price           pricing.Query
	fail            string // prefix of RESULT after "FAIL: "
	refused         bool   // tollgate answered itself: no provider saw the request
}

func e2eConfig() string { return filepath.Join(repoRoot(), "e2e", "testdata", "tollgate.yaml") }

// failingOpenAI is the default stack with an openai cluster that answers every chat
// stream with an OpenAI-shaped 500.
func failingOpenAI(t *testing.T) map[string]*mock.Provider {
	provs := openAIProviders(t)
	provs["openai"].Close()
	provs["openai"] = mock.NewProvider(mock.ProviderOptions{
		Name: "openai", Auth: mock.OpenAIAuth(openaiKey), ClientKeys: clientKeys,
		Routes: map[string]mock.Route{"/v1/chat/completions": {Stream: &mock.Fixture{
			Status: 500, ContentType: "application/json",
			Body: []byte(`{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`),
		}}},
	})
	provs["anthropic"] = anthropicProvider(t)
	return provs
}

// TestSmoke runs `tollgate smoke` against the harness: one tiny streaming request per
// model in the model's client API, the table reporting provider, status, tokens (the
// fake providers' recorded usage) and cost (priced independently here with the
// built-in table), and exit 1 with a FAIL row when a model fails.
func TestSmoke(t *testing.T) {
	claude := pricing.Query{ProviderType: "anthropic", UpstreamModel: claudeModel, ClientModel: claudeModel}
	gpt := pricing.Query{ProviderType: "openai", UpstreamModel: "gpt-5.1", ClientModel: "gpt-5.1"}
	azure := pricing.Query{PricingModel: "gpt-5.1", ProviderType: "azure_openai", UpstreamModel: "gpt-51-prod", ClientModel: "gpt-5.1-azure"}
	tests := []struct {
		name      string
		providers func(*testing.T) map[string]*mock.Provider // nil: the default stack
		config    bool
		want      []smokeWant
		wantExit  int
	}{
		{
			name: "every provider answers", config: true, wantExit: 0,
			want: []smokeWant{
				{claudeModel, "anthropic", 200, "anthropic_stream", claude, "", false},
				{"gpt-5.1", "openai", 200, "openai_chat_stream", gpt, "", false},
				{"gpt-5.1-azure", "azure-east", 200, "openai_chat_stream", azure, "", false},
				// Routed by gpt-* but absent from the price table: ok, unpriced.
				{"gpt-e2e-unpriced", "openai", 200, "openai_chat_stream", pricing.Query{}, "", false},
			},
		},
		{
			name: "a provider fails", config: true, providers: failingOpenAI, wantExit: 1,
			want: []smokeWant{
				{claudeModel, "anthropic", 200, "anthropic_stream", claude, "", false},
				{"gpt-5.1", "openai", 500, "", pricing.Query{}, "HTTP 500", false},
				{"gpt-5.1-azure", "azure-east", 200, "openai_chat_stream", azure, "", false},
			},
		},
		{
			name: "a model no rule routes, no config", wantExit: 1,
			want: []smokeWant{
				{"mistral-e2e-unrouted", "-", 404, "", pricing.Query{}, "HTTP 404", true},
				// Without a config, the built-in table prices the model by its name.
				{claudeModel, "-", 200, "anthropic_stream", pricing.Query{ClientModel: claudeModel}, "", false},
			},
		},
	}
	fx := fixtures(t)
	prices, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var provs map[string]*mock.Provider
			if tc.providers != nil {
				provs = tc.providers(t)
			}
			s := startStack(t, provs)
			var models []string
			for _, w := range tc.want {
				models = append(models, w.model)
			}
			args := []string{"-gateway", s.URL, "-key", keyTeamA, "-models", strings.Join(models, ",")}
			if tc.config {
				args = append(args, "-config", e2eConfig())
			}
			code, stdout, stderr := runSmoke(t, args...)
			s.checkProviders(t)
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.wantExit, stderr)
			}
			if failed := tc.wantExit != 0; failed != strings.Contains(stderr, "models failed") {
				t.Errorf("stderr %q for exit %d", stderr, tc.wantExit)
			}
			rows := parseSmokeTable(t, stdout)
			if len(rows) != len(tc.want) {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), len(tc.want), stdout)
			}
			for i, w := range tc.want {
				checkSmokeRow(t, rows[i], w, fx, prices)
			}
			// One streaming request per model reached a provider, none for a model
			// tollgate refused itself.
			var streamed int
			for _, p := range s.Providers {
				for _, ex := range p.Exchanges() {
					if !bytes.Contains(ex.Body, []byte(`"stream":true`)) {
						t.Errorf("provider %s got a request that is not a stream: %s", ex.Host, ex.Body)
					}
					streamed++
				}
			}
			if want := countReaching(tc.want); streamed != want {
				t.Errorf("providers got %d requests, want %d", streamed, want)
			}
			if t.Failed() {
				t.Logf("smoke output:\n%s", stdout)
			}
		})
	}
}

// countReaching counts the models whose request reached a provider.
func countReaching(want []smokeWant) int {
	n := 0
	for _, w := range want {
		if !w.refused {
			n++
		}
	}
	return n
}

func checkSmokeRow(t *testing.T, got smokeRow, w smokeWant, fx map[string]usagetest.Fixture, prices *pricing.Table) {
	t.Helper()
	if got.Model != w.model || got.Provider != w.provider || got.Status != w.status {
		t.Errorf("row %s %s %d, want %s %s %d", got.Model, got.Provider, got.Status, w.model, w.provider, w.status)
	}
	if w.fail != "" {
		if !strings.HasPrefix(got.Result, "FAIL: "+w.fail) {
			t.Errorf("%s: result %q, want FAIL: %s…", w.model, got.Result, w.fail)
		}
		if !got.Usage.IsZero() {
			t.Errorf("%s: a failed model reports tokens %+v", w.model, got.Usage)
		}
		if got.Cost != "-" {
			t.Errorf("%s: a failed model says cost %q, want -", w.model, got.Cost)
		}
		return
	}
	if got.Result != "ok" {
		t.Errorf("%s: result %q, want ok", w.model, got.Result)
	}
	if got.TTFT == "0s" {
		t.Errorf("%s: no time to first token", w.model)
	}
	u := fx[w.fixture].Usage
	want := usage.Usage{Input: u.Input, Output: u.Output, CacheRead: u.CacheRead, CacheWrite: u.CacheWrite}
	if got.Usage != want {
		t.Errorf("%s: tokens %+v, want the fixture's %+v", w.model, got.Usage, want)
	}
	if w.price == (pricing.Query{}) {
		if got.Cost != "unpriced" {
			t.Errorf("%s: cost %q, want unpriced", w.model, got.Cost)
		}
		return
	}
	p, _, ok := prices.Resolve(w.price)
	if !ok {
		t.Fatalf("%s: %+v has no built-in price", w.model, w.price)
	}
	wantCost := p.Cost(u)
	cost, err := strconv.ParseFloat(got.Cost, 64)
	if err != nil || wantCost <= 0 || cost < wantCost-5e-7 || cost > wantCost+5e-7 {
		t.Errorf("%s: cost %q, want %.6f", w.model, got.Cost, wantCost)
	}
}

// TestSmokeListsModels: without -config and -models, smoke asks the gateway's
// GET /v1/models and tries every exact model of its config: the rows are the exact
// (non-glob) matches of testdata/tollgate.yaml, read here from the file itself, in
// file order; those routed to a provider of the stack answer with its recorded usage.
func TestSmokeListsModels(t *testing.T) {
	raw, err := os.ReadFile(e2eConfig())
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Models []struct {
			Match    string `yaml:"match"`
			Provider string `yaml:"provider"`
		} `yaml:"models"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	var exact []string
	providerOf := map[string]string{}
	for _, m := range cfg.Models {
		if !strings.ContainsAny(m.Match, "*?[") && providerOf[m.Match] == "" {
			exact = append(exact, m.Match)
			providerOf[m.Match] = m.Provider
		}
	}
	if len(exact) == 0 {
		t.Fatal("testdata/tollgate.yaml has no exact model")
	}

	offlineCloudCredentials(t)
	s := startStack(t, nil)
	code, stdout, stderr := runSmoke(t, "-gateway", s.URL, "-key", keyTeamB)
	rows := parseSmokeTable(t, stdout)
	var listed []string
	for _, r := range rows {
		listed = append(listed, r.Model)
	}
	if !slices.Equal(listed, exact) {
		t.Fatalf("smoke tried %v, want the exact models %v\n%s", listed, exact, stdout)
	}
	fx := fixtures(t)
	failed := 0
	builtin, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Provider != "-" {
			t.Errorf("%s: provider %q without a config, want -", r.Model, r.Provider)
		}
		if r.Result != "ok" {
			failed++
			if r.Cost != "-" {
				t.Errorf("%s: a failed row says cost %q, want -", r.Model, r.Cost)
			}
		} else {
			// Without a config the built-in table prices the model by its name.
			want := "unpriced"
			if p, _, ok := builtin.Resolve(pricing.Query{ClientModel: r.Model}); ok {
				if c, err := p.Bill(r.Usage); err == nil {
					want = fmt.Sprintf("%.6f", c)
				}
			}
			if r.Cost != want {
				t.Errorf("%s: cost %q without a config, want %q (built-in table)", r.Model, r.Cost, want)
			}
		}
		if _, ok := s.Providers[providerOf[r.Model]]; !ok {
			// bedrock-tokyo, vertex: no stand-in (nor credentials) in the default stack.
			if !strings.HasPrefix(r.Result, "FAIL: ") || r.Status == 200 {
				t.Errorf("%s: status %d %q, but its provider %s has no stand-in", r.Model, r.Status, r.Result, providerOf[r.Model])
			}
			continue
		}
		// Without a config smoke picks the API by name: Messages for claude*, else Chat.
		u := fx["openai_chat_stream"].Usage
		if strings.HasPrefix(r.Model, "claude") {
			u = fx["anthropic_stream"].Usage
		}
		if r.Status != 200 || r.Result != "ok" || r.Usage != (usage.Usage{Input: u.Input, Output: u.Output, CacheRead: u.CacheRead, CacheWrite: u.CacheWrite}) {
			t.Errorf("%s: %+v, want ok with the fixture's tokens", r.Model, r)
		}
	}
	if wantExit := min(failed, 1); code != wantExit {
		t.Errorf("exit %d with %d failed rows; stderr: %s", code, failed, stderr)
	}
	if t.Failed() {
		t.Logf("smoke output:\n%s", stdout)
	}
}

// offlineCloudCredentials points the AWS and Google credential chains tollgate builds
// for bedrock-tokyo and vertex at nothing, so that a request to them fails at once
// instead of asking an instance metadata server on the network.
func offlineCloudCredentials(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "missing-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "missing-aws-credentials"),
		"GOOGLE_APPLICATION_CREDENTIALS":         filepath.Join(dir, "missing-service-account.json"),
	} {
		t.Setenv(k, v)
	}
}

// TestSmokeGeminiNative: `tollgate smoke -apis gemini,count_tokens` tries each Gemini
// model in Gemini's native API through the stand-in and tollgate, as Gemini CLI calls it,
// to both providers that serve it (gemini, and vertex for gemini-2.5-flash): the stream's
// row carries the tokens tollgate metered, and countTokens is answered and bills nothing.
func TestSmokeGeminiNative(t *testing.T) {
	s := geminiStack(t)
	code, stdout, stderr := runSmoke(t, "-gateway", s.URL, "-key", keyTeamA, "-config", e2eConfig(),
		"-models", geminiModel+","+geminiVertex, "-apis", "gemini,count_tokens", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d; stderr %s\n%s", code, stderr, stdout)
	}
	s.checkProviders(t)
	var doc struct {
		Results []struct {
			Model, Provider, API string
			OK                   bool     `json:"ok"`
			CostUSD              *float64 `json:"cost_usd"`
			Usage                struct {
				Input  int64 `json:"input"`
				Output int64 `json:"output"`
			} `json:"usage"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	var rows []string
	for _, r := range doc.Results {
		rows = append(rows, fmt.Sprintf("%s %s %s %v", r.Model, r.Provider, r.API, r.OK))
	}
	want := []string{
		geminiModel + " gemini gemini_stream_generate_content true", geminiModel + " gemini gemini_count_tokens true",
		geminiVertex + " vertex gemini_stream_generate_content true", geminiVertex + " vertex gemini_count_tokens true",
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
	for _, r := range doc.Results {
		metered := tokens(t, s.GW.Registry(), "platform", r.Model, r.Provider)
		if r.API == "gemini_count_tokens" {
			if r.Usage.Input <= 0 || r.CostUSD != nil {
				t.Errorf("%s countTokens: count %d, cost %v (want a count, no cost)", r.Model, r.Usage.Input, r.CostUSD)
			}
			continue
		}
		if r.CostUSD == nil || *r.CostUSD <= 0 {
			t.Errorf("%s: the stream is not priced", r.Model)
		}
		if r.Usage.Output == 0 || float64(r.Usage.Output) != metered["output"] || float64(r.Usage.Input) != metered["input"] {
			t.Errorf("%s: smoke saw %+v, tollgate metered %v", r.Model, r.Usage, metered)
		}
	}
	for name, wantPaths := range map[string][]string{
		"gemini": {"/v1beta/models/" + geminiModel + ":streamGenerateContent?alt=sse", "/v1beta/models/" + geminiModel + ":countTokens?"},
		"vertex": {geminiVertexPath + geminiVertex + ":streamGenerateContent?alt=sse", geminiVertexPath + geminiVertex + ":countTokens?"},
	} {
		var got []string
		for _, ex := range s.Providers[name].Exchanges() {
			got = append(got, ex.Path+"?"+ex.Query)
		}
		if !slices.Equal(got, wantPaths) {
			t.Errorf("%s got %q, want %q", name, got, wantPaths)
		}
	}
}
