package clients

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/mock"
)

// geminiResult is the part of `gemini -p --output-format json` that the test reads: the
// answer and, per model, the token counts of its session statistics (input = prompt −
// cached).
type geminiResult struct {
	Response string `json:"response"`
	Stats    struct {
		Models map[string]struct {
			Tokens struct {
				Input      int64 `json:"input"`
				Prompt     int64 `json:"prompt"`
				Candidates int64 `json:"candidates"`
				Cached     int64 `json:"cached"`
				Thoughts   int64 `json:"thoughts"`
			} `json:"tokens"`
		} `json:"models"`
	} `json:"stats"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// geminiSettings: no usage statistics or telemetry, no auto-update, and the Gemini API
// key as the auth method. Gemini CLI 0.61 treats GOOGLE_GEMINI_BASE_URL alone as a
// "gateway" auth type that headless mode refuses ("Invalid auth method selected").
const geminiSettings = `{
  "privacy": {"usageStatisticsEnabled": false},
  "telemetry": {"enabled": false},
  "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
  "security": {"auth": {"selectedType": "gemini-api-key"}}
}
`

func testGeminiCLI(t *testing.T, c installed) {
	s := startStack(t, nil)
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".gemini", "settings.json"), geminiSettings)
	r := runClient(t, home, c.Path, []string{"-p", "Say hi", "--output-format", "json"}, []string{
		"GOOGLE_GEMINI_BASE_URL=" + s.URL,
		"GEMINI_API_KEY=" + clientKey,
		"GEMINI_CLI_TRUST_WORKSPACE=true",
	})
	rs := s.rec.requests()
	logRequests(t, rs)
	checkFixture(t, c.key, c.Version, rs)
	for _, f := range s.providerFailures() {
		if !strings.Contains(f, "/v1beta/") {
			t.Errorf("provider check failed: %s", f)
		}
	}
	// Gated on the gateway feature (and the mock upstream) it needs.
	for _, x := range rs {
		if !strings.HasPrefix(x.Path, "/v1beta/models/") {
			continue
		}
		if x.Status == http.StatusNotFound && !s.reached(x.Path) {
			t.Skipf("tollgate answered %s %s with 404 (%s): Gemini's native API is not served yet (issue 11 item 5). "+
				"Gemini CLI %s exited %d. Enforced (exit 0, the mock's answer, tokens) once tollgate routes it.",
				x.Method, x.Path, firstLine(string(x.Response)), c.Version, r.ExitCode)
		}
		if x.Status == http.StatusNotFound {
			t.Skipf("tollgate routed %s %s to the gemini provider, but the generated mock has no Gemini native API to answer it "+
				"(mock/README.md \"Adding a fake upstream\"; needed for issue 11 item 5). Enforced once the mock answers it.", x.Method, x.Path)
		}
	}
	if r.ExitCode != 0 {
		t.Fatalf("gemini: %v", r)
	}
	var res geminiResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &res); err != nil {
		t.Fatalf("gemini's JSON result: %v\n%v", err, r)
	}
	if res.Response != mock.Reply(mockOpts) {
		t.Errorf("gemini answered %q, want the mock's %q", res.Response, mock.Reply(mockOpts))
	}
	got := accessLogTally(s)
	for _, f := range s.providerFailures() {
		t.Errorf("provider check failed: %s", f)
	}
	for model, m := range res.Stats.Models {
		g := got[model]
		// tollgate: input = prompt − cached, cache_read = cached, output = candidates + thoughts.
		if g.Input != m.Tokens.Prompt-m.Tokens.Cached || g.CacheRead != m.Tokens.Cached || g.Output != m.Tokens.Candidates+m.Tokens.Thoughts {
			t.Errorf("%s: tollgate counted %v; Gemini CLI reports prompt %d (cached %d), candidates %d, thoughts %d",
				model, g, m.Tokens.Prompt, m.Tokens.Cached, m.Tokens.Candidates, m.Tokens.Thoughts)
		}
	}
	for model := range got {
		if _, ok := res.Stats.Models[model]; !ok {
			t.Errorf("tollgate counted %s (%v), which Gemini CLI does not report", model, got[model])
		}
	}
}
