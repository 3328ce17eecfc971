package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

// smokeGateway answers Anthropic Messages streams (a recorded one) and count_tokens;
// everything else is a 404.
func smokeGateway(t *testing.T) string {
	t.Helper()
	fx, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	for _, f := range fx {
		if f.Name == "anthropic_stream" {
			stream, _ = f.Body()
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/messages":
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write(stream)
		case "/v1/messages/count_tokens":
			fmt.Fprint(w, `{"input_tokens":9}`)
		default:
			http.Error(w, `{"error":{"message":"no such model"}}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSmokeOutputs: -apis all adds count_tokens (and the Responses API, which this
// gateway lacks: a failed row), -o json prints one document, -junit writes the report
// whole; bad -o and -apis are usage errors.
func TestSmokeOutputs(t *testing.T) {
	gw := smokeGateway(t)
	junit := filepath.Join(t.TempDir(), "smoke.xml")
	code, out, errs := run("smoke", "-gateway", gw, "-key", "k", "-models", "claude-sonnet-4-5-20250929,gpt-5.1",
		"-apis", "all", "-o", "json", "-junit", junit)
	var doc struct {
		Failed  int `json:"failed"`
		Results []struct {
			Model, API string
			OK         bool `json:"ok"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	var rows []string
	for _, r := range doc.Results {
		rows = append(rows, fmt.Sprintf("%s %s %v", r.Model, r.API, r.OK))
	}
	want := "claude-sonnet-4-5-20250929 anthropic_messages true,claude-sonnet-4-5-20250929 anthropic_count_tokens true," +
		"gpt-5.1 openai_chat false,gpt-5.1 openai_responses false"
	if code != 1 || doc.Failed != 2 || strings.Join(rows, ",") != want || !strings.Contains(errs, "2 of 4 models failed") {
		t.Errorf("exit %d, rows %q, stderr %q", code, rows, errs)
	}
	x, err := os.ReadFile(junit)
	if err != nil || !strings.HasPrefix(string(x), "<?xml") || strings.Count(string(x), "<testcase ") != 4 || strings.Count(string(x), "<failure ") != 2 {
		t.Errorf("junit %v:\n%s", err, x)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "yaml"}, "-o must be text or json"},
		{[]string{"-apis", "embeddings"}, `unknown API "embeddings"`},
	} {
		code, out, errs := run(append([]string{"smoke", "-gateway", gw, "-models", "x"}, tc.args...)...)
		if code != 2 || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, out+errs)
		}
	}
	code, out, _ = run("smoke", "-gateway", gw, "-key", "k", "-models", "claude-sonnet-4-5-20250929", "-apis", "count_tokens")
	if code != 0 || !strings.Contains(out, "anthropic_count_tokens") || strings.Contains(out, "anthropic_messages") {
		t.Errorf("-apis count_tokens: exit %d\n%s", code, out)
	}
}
