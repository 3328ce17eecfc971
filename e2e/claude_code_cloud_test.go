package e2e

import (
	"bufio"
	"bytes"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/mock"
)

// claudeCodeRequest is a request Claude Code 2.1.332 sends in its Anthropic-API mode
// (internal/provider/testdata/claude_code: its flags and body fields, recorded by
// e2e/clients), with the body's model set to model.
func claudeCodeRequest(t *testing.T, name, model string) (betas string, body []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(), "internal", "provider", "testdata", "claude_code", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, b := range gjson.GetBytes(data, "anthropic_beta").Array() {
		flags = append(flags, b.Str)
	}
	body, err = sjson.SetBytes([]byte(gjson.GetBytes(data, "body").Raw), "model", model)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(flags, ","), body
}

// postClaudeCode sends the request as Claude Code does (POST /v1/messages?beta=true,
// streamed) and reads the SSE answer's event names.
func postClaudeCode(t *testing.T, s *stack, betas string, body []byte) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/messages?beta=true", bytes.NewReader(body))
	for k, v := range map[string]string{"content-type": "application/json", "anthropic-version": "2023-06-01",
		"anthropic-beta": betas, "authorization": "Bearer " + keyTeamA, "x-api-key": keyTeamA,
		"x-app": "cli", "x-claude-code-session-id": "5d41402a-bc4b-2a76-b971-9d911017c592"} {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var events []string
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, name)
		}
	}
	if res.StatusCode != http.StatusOK || !slices.Contains(events, "message_stop") {
		t.Fatalf("status %d, events %q", res.StatusCode, events)
	}
	return events
}

// betasDropped is tollgate_anthropic_betas_dropped_total by beta for a provider.
func betasDropped(t *testing.T, reg prometheus.Gatherer, provider string) map[string]float64 {
	t.Helper()
	return counters(t, reg, "tollgate_anthropic_betas_dropped_total", map[string]string{"provider": provider}, "beta")
}

// TestClaudeCodeOnBedrock: Claude Code's Sonnet and Opus requests, with the flags it
// sends today, routed to Bedrock: the fake Bedrock refuses, as Bedrock does, any flag
// outside what Claude Code's own Bedrock mode sends and a context_management or
// output_config.effort without its flag; the requests pass, and the drops are counted.
func TestClaudeCodeOnBedrock(t *testing.T) {
	bedrockEnv(t)
	stream, err := mock.BedrockStream(bedrockEvents(t))
	if err != nil {
		t.Fatal(err)
	}
	opusUpstream := "jp.anthropic.claude-opus-4-5-20251101-v1:0"
	prov := mock.NewBedrock(mock.BedrockOptions{
		Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1", Credentials: awsCreds,
		Models: []string{bedrockUpstream, opusUpstream}, ClientKeys: clientKeys,
		Stream: &mock.Fixture{ContentType: mock.BedrockEventStreamType, Body: stream},
		Betas: mock.BetaRules{
			Accept: []string{"claude-code-20250219", "interleaved-thinking-2025-05-14", "context-1m-2025-08-07",
				"tool-search-tool-2025-10-19", "effort-2025-11-24"},
			Fields: map[string]string{"context_management": "context-management-2025-06-27", "output_config.effort": "effort-2025-11-24"},
		},
	})
	s := startStack(t, map[string]*mock.Provider{"bedrock-tokyo": prov.Provider})
	for _, tc := range []struct{ name, model, upstream, wantBetas string }{
		{"sonnet", bedrockModel, bedrockUpstream, `["tool-search-tool-2025-10-19","claude-code-20250219","interleaved-thinking-2025-05-14"]`},
		{"opus", "claude-opus-4-5-20251101", opusUpstream, `["tool-search-tool-2025-10-19","claude-code-20250219","effort-2025-11-24","interleaved-thinking-2025-05-14"]`},
	} {
		betas, body := claudeCodeRequest(t, tc.name, tc.model)
		postClaudeCode(t, s, betas, body)
		s.checkProviders(t)
		ex := prov.Exchanges()
		last := ex[len(ex)-1]
		if got := gjson.GetBytes(last.Body, "anthropic_beta").Raw; got != tc.wantBetas {
			t.Errorf("%s: anthropic_beta %s, want %s", tc.name, got, tc.wantBetas)
		}
		if gjson.GetBytes(last.Body, "context_management").Exists() || !gjson.GetBytes(last.Body, "thinking").Exists() {
			t.Errorf("%s: body %s", tc.name, last.Body)
		}
		if tc.name == "opus" && gjson.GetBytes(last.Body, "output_config.effort").Str != "high" {
			t.Errorf("opus: effort is accepted on Bedrock and must stay: %s", last.Body)
		}
	}
	if prov.Verified() != 2 {
		t.Errorf("%d signatures verified, want 2", prov.Verified())
	}
	want := map[string]float64{"context-management-2025-06-27": 2, "thinking-token-count-2026-05-13": 2,
		"mid-conversation-tool-changes-2026-07-01": 1, "per-turn-control-2026-07-01": 1}
	if got := betasDropped(t, s.GW.Registry(), "bedrock-tokyo"); !maps.Equal(got, want) {
		t.Errorf("tollgate_anthropic_betas_dropped_total %v, want %v", got, want)
	}
}

// TestClaudeCodeOnVertex: the same requests routed to Vertex AI, whose fake accepts only
// the flags Claude Code's own Vertex mode sends: the anthropic-beta header keeps those,
// and effort goes with output_config.
func TestClaudeCodeOnVertex(t *testing.T) {
	ts := vertexEnv(t)
	fx := fixtures(t)
	prov := mock.NewVertex(mock.VertexOptions{
		Name: "vertex", Host: vertexHost, Project: vertexProject, Region: "global",
		Models: []string{"claude-sonnet-4-5@20250929", "claude-opus-4-5@20251101"}, Tokens: ts, ClientKeys: clientKeys,
		StreamRawPredict: replay(t, fx["anthropic_stream"]),
		Betas: mock.BetaRules{
			Accept: []string{"claude-code-20250219", "interleaved-thinking-2025-05-14", "tool-search-tool-2025-10-19", "web-search-2025-03-05"},
			Fields: map[string]string{"context_management": "context-management-2025-06-27", "output_config": "effort-2025-11-24"},
		},
	})
	s := startStack(t, map[string]*mock.Provider{"vertex": prov.Provider})
	for _, tc := range []struct{ name, model string }{{"sonnet", "claude-vertex"}, {"opus", "claude-opus-4-5@20251101"}} {
		betas, body := claudeCodeRequest(t, tc.name, tc.model)
		postClaudeCode(t, s, betas, body)
		s.checkProviders(t)
		ex := prov.Exchanges()
		last := ex[len(ex)-1]
		if got := last.Header.Get("anthropic-beta"); got != "tool-search-tool-2025-10-19,claude-code-20250219,interleaved-thinking-2025-05-14" {
			t.Errorf("%s: anthropic-beta %q", tc.name, got)
		}
		for _, f := range []string{"context_management", "output_config", "model"} {
			if gjson.GetBytes(last.Body, f).Exists() {
				t.Errorf("%s: %s reached Vertex: %s", tc.name, f, last.Body)
			}
		}
	}
	if got := betasDropped(t, s.GW.Registry(), "vertex"); got["context-management-2025-06-27"] != 2 || got["effort-2025-11-24"] != 1 {
		t.Errorf("tollgate_anthropic_betas_dropped_total %v", got)
	}
}
