package relkit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/deploy/release/internal/fakes"
)

func TestAppendToSequenceKeepsTheText(t *testing.T) {
	doc := `# staging and production share this file.
config:
  providers:
    - name: anthropic   # the public API
      type: anthropic
      api_key: ${ANTHROPIC_API_KEY}
  models:
    - match: claude-sonnet-4-5-20250929
      provider: anthropic

    # Families: new models work on day one.
    - match: "claude-*"
      provider: anthropic
      upstream_model: |-
        {model}
  # Client keys, one per team.
  keys:
    - {name: platform, team: platform, key_sha256: "00"}
`
	// What tollgate models -o yaml prints: a models: block indented by 2, with comments.
	items := `models:
  # anthropic lists claude-nextgen-9 (no price yet)
  - match: claude-nextgen-9
    provider: anthropic
  - match: "gpt-6"
    provider: openai   # exact
`
	got, n, err := AppendToSequence([]byte(doc), []string{"config", "models"}, []byte(items), "Added by the nightly models workflow")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("n = %d, want 2", n)
	}
	want := `# staging and production share this file.
config:
  providers:
    - name: anthropic   # the public API
      type: anthropic
      api_key: ${ANTHROPIC_API_KEY}
  models:
    - match: claude-sonnet-4-5-20250929
      provider: anthropic

    # Families: new models work on day one.
    - match: "claude-*"
      provider: anthropic
      upstream_model: |-
        {model}
    # Added by the nightly models workflow
    # anthropic lists claude-nextgen-9 (no price yet)
    - match: claude-nextgen-9
      provider: anthropic
    - match: "gpt-6"
      provider: openai   # exact
  # Client keys, one per team.
  keys:
    - {name: platform, team: platform, key_sha256: "00"}
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestAppendToSequenceRootListAtColumnZero(t *testing.T) {
	doc := "listen: \":50051\"\nmodels:\n- match: a\n  provider: p\npricing:\n  refresh: 6h"
	got, n, err := AppendToSequence([]byte(doc), []string{"models"}, []byte("- match: b\n  provider: p\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	want := "listen: \":50051\"\nmodels:\n- match: a\n  provider: p\n- match: b\n  provider: p\npricing:\n  refresh: 6h"
	if n != 1 || string(got) != want {
		t.Errorf("n=%d got:\n%q\nwant:\n%q", n, got, want)
	}
}

func TestAppendToSequenceLastKey(t *testing.T) {
	doc := "config:\n  models:\n    - match: a\n      provider: p\n\n# end\n"
	got, _, err := AppendToSequence([]byte(doc), []string{"config", "models"}, []byte("models:\n  - match: b\n    provider: q\n"), "new")
	if err != nil {
		t.Fatal(err)
	}
	want := "config:\n  models:\n    - match: a\n      provider: p\n    # new\n    - match: b\n      provider: q\n\n# end\n"
	if string(got) != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

func TestAppendToSequenceNothingToAdd(t *testing.T) {
	doc := []byte("models:\n  - match: a\n")
	for _, items := range []string{"models: []\n", "models:\n", "[]\n"} {
		got, n, err := AppendToSequence(doc, []string{"models"}, []byte(items), "x")
		if err != nil || n != 0 || string(got) != string(doc) {
			t.Errorf("items %q: %q %d %v", items, got, n, err)
		}
	}
}

func TestAppendToSequenceRefuses(t *testing.T) {
	tests := []struct {
		name, doc, path, items, want string
	}{
		{"flow list", "models: [{match: a, provider: p}]\n", "models", "- match: b\n", "flow style"},
		{"missing key", "config:\n  providers: []\n", "config.models", "- match: b\n", "no key config.models"},
		{"not a mapping", "config: [1]\n", "config.models", "- match: b\n", "config is not a mapping"},
		{"not a list", "models: {}\n", "models", "- match: b\n", "not a list"},
		{"items not a list", "models:\n  - a\n", "models", "match: b\n", "items: not a list"},
		{"items two keys", "models:\n  - a\n", "models", "models: []\nx: 1\n", "items: want a list"},
		{"items invalid", "models:\n  - a\n", "models", "- [\n", "items:"},
		{"two documents", "models:\n  - a\n---\nb: 1\n", "models", "- b\n", "more than one YAML document"},
		{"items flow", "models:\n  - a\n", "models", "[b]\n", "flow-style"},
		{"empty doc", "", "models", "- b\n", "empty YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := AppendToSequence([]byte(tt.doc), strings.Split(tt.path, "."), []byte(tt.items), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The result is parsed again: an edit that does not decode to the old values plus the new
// items is refused.
func TestAppendToSequenceVerifies(t *testing.T) {
	for name, result := range map[string]string{
		"item missing": "models:\n  - a\n",
		"extra key":    "models:\n  - a\n  - b\nc: 1\n",
		"wrong place":  "models:\n  - a\n  -\n    - b\n",
		"not YAML":     "models: [\n",
	} {
		if err := verifyAppend([]byte("models:\n  - a\n"), []byte(result), []byte("- b\n"), []string{"models"}, 1); err == nil {
			t.Errorf("%s: verifyAppend accepted %q", name, result)
		}
	}
	if err := verifyAppend([]byte("models:\n  - a\n"), []byte("models:\n  - a\n  - b\n"), []byte("- b\n"), []string{"models"}, 1); err != nil {
		t.Errorf("good result refused: %v", err)
	}
}

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(path, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("b")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	if string(b) != "b" || fi.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", b, fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestPromQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/prom/api/v1/query":
			if q := r.URL.Query().Get("query"); q != "up" {
				t.Errorf("query %q", q)
			}
			w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"model":"m"},"value":[1,"12.5"]}]}}`))
		case "/bad/api/v1/query":
			w.WriteHeader(400)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
		case "/html/api/v1/query":
			w.Write([]byte(`<html>login</html>`))
		case "/matrix/api/v1/query":
			w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[]}}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	got, err := PromQuery(ctx, srv.Client(), srv.URL+"/prom/", "up")
	if err != nil || len(got) != 1 || got[0].Metric["model"] != "m" || got[0].Value != 12.5 {
		t.Fatalf("%+v %v", got, err)
	}
	for path, want := range map[string]string{"/bad": "parse error", "/html": "no API response", "/matrix": "want vector"} {
		if _, err := PromQuery(ctx, srv.Client(), srv.URL+path, "up"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if _, err := PromQuery(ctx, srv.Client(), "prometheus:9090", "up"); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("no scheme: %v", err)
	}
}

func TestSetOutputAndSummary(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "out"))
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "sum"))
	if err := SetOutput("changed", "true"); err != nil {
		t.Fatal(err)
	}
	if err := StepSummary("# hi"); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "out"))
	sum, _ := os.ReadFile(filepath.Join(dir, "sum"))
	if string(out) != "changed<<__TOLLGATE_EOF__\ntrue\n__TOLLGATE_EOF__\n" || string(sum) != "# hi\n" {
		t.Errorf("output %q summary %q", out, sum)
	}
}

// TestGitCommitOnlyThePaths: a commit holds the named paths and nothing else that was staged,
// and falls back to the bot identity when no user is configured.
func TestGitCommitOnlyThePaths(t *testing.T) {
	repo := fakes.NewRepo(t, map[string]string{"a": "1\n", "b": "1\n"})
	repo.Write(t, "a", "2\n")
	repo.Write(t, "b", "2\n")
	fakes.Git(t, repo.Dir, "add", "b")
	g := Git{Runner{Dir: repo.Dir}}
	if err := g.Commit("change a", "a"); err != nil {
		t.Fatal(err)
	}
	if files := fakes.Git(t, repo.Dir, "show", "--name-only", "--format=%an", "HEAD"); files != "github-actions[bot]\n\na\n" {
		t.Errorf("commit: %q", files)
	}
	if st := fakes.Git(t, repo.Dir, "status", "--porcelain"); st != "M  b\n" {
		t.Errorf("status after: %q", st)
	}
}
