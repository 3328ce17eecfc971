package clients

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/mock"
)

// claudeResult is the part of `claude -p --output-format json` that the test reads.
type claudeResult struct {
	Type         string  `json:"type"`
	Subtype      string  `json:"subtype"`
	IsError      bool    `json:"is_error"`
	Result       string  `json:"result"`
	TotalCostUSD float64 `json:"total_cost_usd"`
	ModelUsage   map[string]struct {
		InputTokens              int64   `json:"inputTokens"`
		OutputTokens             int64   `json:"outputTokens"`
		CacheReadInputTokens     int64   `json:"cacheReadInputTokens"`
		CacheCreationInputTokens int64   `json:"cacheCreationInputTokens"`
		CostUSD                  float64 `json:"costUSD"`
	} `json:"modelUsage"`
}

// claudeMode is one way Claude Code is pointed at the gateway.
type claudeMode struct {
	name string
	// env is added to the client's environment; gw is the gateway URL.
	env func(gw string) []string
	// cloud are the fake cloud providers the mode needs.
	cloud func(*testing.T, *mock.TokenServer) map[string]*mock.Provider
}

var claudeModes = []claudeMode{
	// The README's client guide: Anthropic API, models pinned.
	{name: "anthropic", env: func(gw string) []string {
		return []string{
			"ANTHROPIC_BASE_URL=" + gw,
			"ANTHROPIC_AUTH_TOKEN=" + clientKey,
			"ANTHROPIC_MODEL=claude-sonnet-4-5-20250929",
			"ANTHROPIC_DEFAULT_OPUS_MODEL=claude-opus-4-1-20250805",
			"ANTHROPIC_DEFAULT_SONNET_MODEL=claude-sonnet-4-5-20250929",
			"ANTHROPIC_DEFAULT_HAIKU_MODEL=claude-haiku-4-5-20251001",
			"CLAUDE_CODE_SUBAGENT_MODEL=claude-sonnet-4-5-20250929",
		}
	}},
	// The same without pinned models: the client's own default, as a new user runs it.
	{name: "anthropic-default-model", env: func(gw string) []string {
		return []string{"ANTHROPIC_BASE_URL=" + gw, "ANTHROPIC_API_KEY=" + clientKey}
	}},
	// The README's Bedrock-native mode: Claude Code sends /model/{id}/invoke… and skips
	// its own AWS auth; tollgate signs.
	{name: "bedrock", env: func(gw string) []string {
		return []string{
			"CLAUDE_CODE_USE_BEDROCK=1",
			"ANTHROPIC_BEDROCK_BASE_URL=" + gw,
			"CLAUDE_CODE_SKIP_BEDROCK_AUTH=1",
			"AWS_REGION=ap-northeast-1",
			"ANTHROPIC_CUSTOM_HEADERS=x-api-key: " + clientKey,
			"ANTHROPIC_MODEL=" + bedrockSonnet,
			"ANTHROPIC_DEFAULT_SONNET_MODEL=" + bedrockSonnet,
			"ANTHROPIC_DEFAULT_HAIKU_MODEL=" + bedrockHaiku,
		}
	}, cloud: func(t *testing.T, _ *mock.TokenServer) map[string]*mock.Provider {
		return map[string]*mock.Provider{"bedrock-tokyo": bedrockProvider(t, bedrockSonnet, bedrockHaiku).Provider}
	}},
	// The README's Vertex-native mode.
	{name: "vertex", env: func(gw string) []string {
		return []string{
			"CLAUDE_CODE_USE_VERTEX=1",
			"ANTHROPIC_VERTEX_BASE_URL=" + gw + "/v1",
			"CLAUDE_CODE_SKIP_VERTEX_AUTH=1",
			"CLOUD_ML_REGION=global",
			"ANTHROPIC_VERTEX_PROJECT_ID=any",
			"ANTHROPIC_CUSTOM_HEADERS=x-api-key: " + clientKey,
			"ANTHROPIC_MODEL=" + vertexSonnet,
			"ANTHROPIC_DEFAULT_SONNET_MODEL=" + vertexSonnet,
			"ANTHROPIC_DEFAULT_HAIKU_MODEL=" + vertexHaiku,
		}
	}, cloud: func(t *testing.T, ts *mock.TokenServer) map[string]*mock.Provider {
		return map[string]*mock.Provider{"vertex": vertexProvider(t, ts, vertexSonnet, vertexHaiku).Provider}
	}},
}

const (
	bedrockSonnet = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
	bedrockHaiku  = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
	vertexSonnet  = "claude-sonnet-4-5@20250929"
	vertexHaiku   = "claude-haiku-4-5@20251001"
)

// claudeEnv turns off Claude Code's telemetry, error reports, auto-update and every other
// nonessential request (CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC covers the others; they
// are set too, in case a version splits them again).
var claudeEnv = []string{
	"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
	"DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1", "DISABLE_AUTOUPDATER=1", "DISABLE_BUG_COMMAND=1",
}

func testClaudeCode(t *testing.T, c installed) {
	var all []recorded
	for _, m := range claudeModes {
		t.Run(m.name, func(t *testing.T) {
			var cloud func(*mock.TokenServer) map[string]*mock.Provider
			if m.cloud != nil {
				cloud = func(ts *mock.TokenServer) map[string]*mock.Provider { return m.cloud(t, ts) }
			}
			s := startStack(t, cloud)
			r := runClient(t, t.TempDir(), c.Path, []string{"-p", "Say hi", "--output-format", "json"},
				append(m.env(s.URL), claudeEnv...))
			rs := s.rec.requests()
			all = append(all, rs...)
			logRequests(t, rs)
			checkClaude(t, s, r)
		})
	}
	checkFixture(t, c.key, c.Version, all)
}

// checkClaude asserts one Claude Code run: exit 0, the mock's answer, and tollgate's
// tokens and cost equal to what Claude Code reports, per model and in total.
func checkClaude(t *testing.T, s *stack, r run) {
	t.Helper()
	if r.ExitCode != 0 {
		t.Fatalf("claude: %v", r)
	}
	var res claudeResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &res); err != nil {
		t.Fatalf("claude's JSON result: %v\n%v", err, r)
	}
	if res.IsError || res.Subtype != "success" {
		t.Errorf("claude result: is_error %v, subtype %q", res.IsError, res.Subtype)
	}
	if res.Result != mock.Reply(mockOpts) {
		t.Errorf("claude answered %q, want the mock's %q", res.Result, mock.Reply(mockOpts))
	}
	t.Logf("claude: %s, total_cost_usd %v, models %v", r.Elapsed.Round(1e6), res.TotalCostUSD, slices.Sorted(maps.Keys(res.ModelUsage)))
	got := checkTollgate(t, s)
	for model, u := range res.ModelUsage {
		g := got[model]
		if g.Input != u.InputTokens || g.Output != u.OutputTokens || g.CacheRead != u.CacheReadInputTokens || g.CacheWrite != u.CacheCreationInputTokens {
			t.Errorf("%s: tollgate counted %v; Claude Code reports input %d, output %d, cache_read %d, cache_write %d",
				model, g, u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens)
		}
	}
	for model := range got {
		if _, ok := res.ModelUsage[model]; !ok {
			t.Errorf("tollgate counted %s (%v), which Claude Code does not report", model, got[model])
		}
	}
	t.Run("cost", func(t *testing.T) {
		if unpriced := unpricedModels(got); len(unpriced) > 0 {
			t.Skipf("tollgate's price table has no price for %v, so its cost is not comparable with Claude Code's total_cost_usd %v; "+
				"the usage is counted in tollgate_unpriced_tokens_total instead (DESIGN problem 1). The comparison starts when the table prices the model.",
				unpriced, res.TotalCostUSD)
		}
		for model, u := range res.ModelUsage {
			if !sameCost(got[model].CostUSD, u.CostUSD) {
				t.Errorf("%s: tollgate's cost $%.9g, Claude Code's costUSD $%.9g", model, got[model].CostUSD, u.CostUSD)
			}
		}
		if tot := total(got).CostUSD; !sameCost(tot, res.TotalCostUSD) {
			t.Errorf("tollgate's cost $%.9g, Claude Code's total_cost_usd $%.9g", tot, res.TotalCostUSD)
		}
	})
}
