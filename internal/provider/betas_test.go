package provider

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// TestBetaData: betas.yaml parses strictly, names are well formed, every rename target
// is accepted on its platform, and every flag it names is a label value.
func TestBetaData(t *testing.T) {
	d := mustParseBetas(betasYAML)
	for _, platform := range []string{"bedrock", "vertex"} {
		pl, ok := d.Platforms[platform]
		if !ok || len(pl.Allow) == 0 {
			t.Fatalf("no allow list for %s", platform)
		}
		for from, to := range pl.Rename {
			if !slices.Contains(pl.Allow, to) || slices.Contains(pl.Allow, from) {
				t.Errorf("%s: rename %s → %s: the target must be allowed, the source not", platform, from, to)
			}
		}
		if !slices.Contains(pl.Allow, "claude-code-20250219") {
			t.Errorf("%s: Claude Code's own flag is not allowed", platform)
		}
	}
	for _, b := range KnownBetas() {
		for _, c := range b {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				t.Errorf("beta %q: not a flag name", b)
			}
		}
		if betaLabel(b) != b {
			t.Errorf("%s is not its own label", b)
		}
	}
	for b, fields := range d.Fields {
		if len(fields) == 0 || !knownBetas[b] {
			t.Errorf("fields of %s: %v", b, fields)
		}
	}
	if betaLabel("some-new-beta-2027-01-01") != "other" {
		t.Error("an unknown flag must be labelled other")
	}
}

// claudeCodeRequest is one of testdata/claude_code: the flags and the body of a request
// Claude Code 2.1.332 sends.
func claudeCodeRequest(t *testing.T, name string) (betas []string, body []byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/claude_code/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range gjson.GetBytes(data, "anthropic_beta").Array() {
		betas = append(betas, b.Str)
	}
	return betas, []byte(gjson.GetBytes(data, "body").Raw)
}

// dropRecorder records OnBetaDropped calls.
type dropRecorder struct {
	mu    sync.Mutex
	drops []string
}

func (d *dropRecorder) deps() Deps {
	return Deps{OnBetaDropped: func(p, b string) { d.mu.Lock(); d.drops = append(d.drops, p+"/"+b); d.mu.Unlock() }}
}

// withoutFields is body with the given top-level paths deleted (what strip must give).
func withoutFields(t *testing.T, body []byte, paths ...string) []byte {
	t.Helper()
	for _, p := range paths {
		var err error
		if body, err = sjson.DeleteBytes(body, p); err != nil {
			t.Fatal(err)
		}
	}
	return body
}

// TestClaudeCodeBetasOnBedrock: Claude Code's requests for a Sonnet and an Opus model,
// routed to Bedrock, keep the flags Bedrock accepts (tool search under Bedrock's name),
// lose the others and the fields that belong to them, and nothing else changes.
func TestClaudeCodeBetasOnBedrock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wantBetas []string
		wantDrops []string
		gone      []string
	}{
		{"sonnet", []string{"tool-search-tool-2025-10-19", "claude-code-20250219", "interleaved-thinking-2025-05-14"},
			[]string{"context-management-2025-06-27", "thinking-token-count-2026-05-13"}, []string{"context_management"}},
		{"opus", []string{"tool-search-tool-2025-10-19", "claude-code-20250219", "effort-2025-11-24", "interleaved-thinking-2025-05-14"},
			[]string{"context-management-2025-06-27", "mid-conversation-tool-changes-2026-07-01", "per-turn-control-2026-07-01", "thinking-token-count-2026-05-13"},
			[]string{"context_management"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec dropRecorder
			p, err := New(Config{Name: "bedrock-test", Type: "bedrock", Region: "us-east-1", APIKey: "bedrock-api-key"}, rec.deps())
			if err != nil {
				t.Fatal(err)
			}
			betas, body := claudeCodeRequest(t, tc.name)
			m, err := p.Prepare(context.Background(), &Request{
				API: api.AnthropicMessages, Path: "/v1/messages", Query: "beta=true", Stream: true, Body: body,
				Headers:     http.Header{"anthropic-beta": {strings.Join(betas, ",")}, "anthropic-version": {"2023-06-01"}},
				ClientModel: gjson.GetBytes(body, "model").Str, UpstreamModel: "us.anthropic.x-v1:0",
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range gjson.GetBytes(m.Body, "anthropic_beta").Array() {
				got = append(got, b.Str)
			}
			if !slices.Equal(got, tc.wantBetas) {
				t.Errorf("anthropic_beta %q, want %q", got, tc.wantBetas)
			}
			want, _ := bedrockInvokeBody(withoutFields(t, body, tc.gone...), tc.wantBetas)
			if string(m.Body) != string(want) {
				t.Errorf("body:\n got %s\nwant %s", m.Body, want)
			}
			var wantDrops []string
			for _, d := range tc.wantDrops {
				wantDrops = append(wantDrops, "bedrock-test/"+d)
			}
			if !slices.Equal(rec.drops, wantDrops) {
				t.Errorf("drops %q, want %q", rec.drops, wantDrops)
			}
		})
	}
}

// TestClaudeCodeBetasOnVertex: the same requests routed to Vertex AI: the header keeps
// the flags Vertex accepts; effort is dropped there, with output_config.effort (and the
// output_config it leaves empty).
func TestClaudeCodeBetasOnVertex(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wantBetas string
		gone      []string
	}{
		{"sonnet", "tool-search-tool-2025-10-19,claude-code-20250219,interleaved-thinking-2025-05-14", []string{"context_management"}},
		{"opus", "tool-search-tool-2025-10-19,claude-code-20250219,interleaved-thinking-2025-05-14", []string{"context_management", "output_config"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec dropRecorder
			p := newFakeVertex(t, "global", &vertexFakeTokens{tok: "t"}, rec.deps())
			betas, body := claudeCodeRequest(t, tc.name)
			m, err := p.Prepare(context.Background(), &Request{
				API: api.AnthropicMessages, Path: "/v1/messages", Stream: true, Body: body,
				Headers:     http.Header{"anthropic-beta": betas},
				ClientModel: "m", UpstreamModel: "claude-x@20251101",
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := bedrockHeader(m, "anthropic-beta"); got != tc.wantBetas {
				t.Errorf("anthropic-beta %q, want %q", got, tc.wantBetas)
			}
			want, _ := vertexAnthropicBody(withoutFields(t, body, tc.gone...), true)
			if string(m.Body) != string(want) {
				t.Errorf("body:\n got %s\nwant %s", m.Body, want)
			}
			if len(rec.drops) == 0 || !slices.Contains(rec.drops, "vertex-test/context-management-2025-06-27") {
				t.Errorf("drops %q", rec.drops)
			}
		})
	}
}

// TestBetaOverrides: a provider's anthropic_betas adds and removes flags from its
// platform's list; a flag the data does not name is counted as "other"; a native
// Bedrock body is rewritten only when a flag goes.
func TestBetaOverrides(t *testing.T) {
	var rec dropRecorder
	p, err := New(Config{Name: "b", Type: "bedrock", Region: "us-east-1", APIKey: "bedrock-api-key",
		BetasAllow: "context-management-2025-06-27", BetasDrop: "interleaved-thinking-2025-05-14"}, rec.deps())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-management-2025-06-27","interleaved-thinking-2025-05-14","brand-new-2027-01-01"],"context_management":{"edits":[]},"max_tokens":1,"messages":[]}`)
	m, err := p.Prepare(context.Background(), &Request{API: api.BedrockInvokeStream, Body: body, UpstreamModel: "us.anthropic.x-v1:0"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-management-2025-06-27"],"context_management":{"edits":[]},"max_tokens":1,"messages":[]}`
	if string(m.Body) != want {
		t.Errorf("body %s\nwant %s", m.Body, want)
	}
	if !slices.Equal(rec.drops, []string{"b/interleaved-thinking-2025-05-14", "b/other"}) {
		t.Errorf("drops %q", rec.drops)
	}

	ok := []byte(`{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["claude-code-20250219"],"max_tokens":1,"messages":[]}`)
	m, err = p.Prepare(context.Background(), &Request{API: api.BedrockInvoke, Body: ok, UpstreamModel: "us.anthropic.x-v1:0"})
	if err != nil || &m.Body[0] != &ok[0] {
		t.Errorf("a native body whose flags all pass must be sent as is: %s %v", m.Body, err)
	}

	// Every flag dropped: anthropic_beta goes.
	m, err = p.Prepare(context.Background(), &Request{API: api.AnthropicCountTokens, Body: []byte(`{"model":"x","messages":[]}`),
		Headers: http.Header{"anthropic-beta": {"interleaved-thinking-2025-05-14"}}, UpstreamModel: "us.anthropic.x-v1:0"})
	if err != nil {
		t.Fatal(err)
	}
	inner, _ := base64.StdEncoding.DecodeString(gjson.GetBytes(m.Body, "input.invokeModel.body").Str)
	if gjson.GetBytes(inner, "anthropic_beta").Exists() {
		t.Errorf("count-tokens body %s", inner)
	}
}

// TestVertexBetasAllDropped: with no flag left the header is removed, not sent empty.
func TestVertexBetasAllDropped(t *testing.T) {
	p := newFakeVertex(t, "global", &vertexFakeTokens{tok: "t"}, Deps{})
	m, err := p.Prepare(context.Background(), &Request{API: api.VertexRawPredict, Body: []byte(`{"messages":[]}`),
		Headers: http.Header{"anthropic-beta": {"prompt-caching-scope-2026-01-05"}}, UpstreamModel: "claude-x"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(m.RemoveHeaders, "anthropic-beta") || bedrockHeader(m, "anthropic-beta") != "" {
		t.Errorf("set %v removed %v", m.SetHeaders, m.RemoveHeaders)
	}
}
