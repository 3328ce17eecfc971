package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/deploy/release/internal/fakes"
)

const valuesRel = "deploy/release/values/common.yaml"

// modelsEnv is a checkout with a values file, a fake gh, a fake `tollgate models` printing
// the files json and yaml (exit status 1: the gemini catalog failed), and a config path.
type modelsEnv struct {
	repo   *fakes.Repo
	gh     *fakes.GH
	bin    string // fake tollgate
	json   string // what `tollgate models -o json` prints
	yaml   string
	config string
	args   string // where the fake tollgate records its arguments
}

func newModelsEnv(t *testing.T) *modelsEnv {
	t.Helper()
	e := &modelsEnv{
		repo: fakes.NewRepo(t, map[string]string{valuesRel: readFile(t, "testdata/common.yaml"), "README.md": "x\n"}),
		gh:   fakes.InstallGH(t),
	}
	dir := t.TempDir()
	e.json = writeFile(t, filepath.Join(dir, "models.json"), readFile(t, "testdata/models.json"))
	e.yaml = writeFile(t, filepath.Join(dir, "models.yaml"), readFile(t, "testdata/models.yaml"))
	e.config = writeFile(t, filepath.Join(dir, "rendered", "tollgate.yaml"), "providers: []\n")
	e.args = filepath.Join(dir, "tollgate-args")
	e.bin = fakes.WriteScript(t, dir, "tollgate", fmt.Sprintf(`echo "$*" >> '%s'
case "$*" in
  "models -config %s -o json") cat '%s'; exit "${FAKE_MODELS_EXIT:-1}" ;;
  "models -config %s -o yaml") cat '%s'; exit "${FAKE_MODELS_EXIT:-1}" ;;
esac
echo "fake tollgate: unexpected arguments: $*" >&2
exit 2
`, e.args, e.config, e.json, e.config, e.yaml))
	t.Setenv("PROMETHEUS_URL", "")
	return e
}

func (e *modelsEnv) run(t *testing.T, extra ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"models-pr", "-config", e.config, "-values", filepath.Join(e.repo.Dir, valuesRel),
		"-repo", e.repo.Dir, "-tollgate", e.bin}, extra...)
	return run(t, args...)
}

// fakePrometheus answers the unrouted-requests query.
func fakePrometheus(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		if r.URL.Path != "/api/v1/query" || !strings.Contains(q, "tollgate_unrouted_requests_total[7d]") || !strings.HasPrefix(q, "sum by (model, team)") {
			t.Errorf("prometheus got %s %q", r.URL.Path, q)
			http.Error(w, "bad", 400)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"model":"gpt-6"},"value":[1700000000,"42"]},
			{"metric":{"model":"other"},"value":[1700000000,"7"]},
			{"metric":{"model":"claude-typo"},"value":[1700000000,"3"]},
			{"metric":{"model":"o5-mini"},"value":[1700000000,"0"]}]}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// httptestPrometheus answers every query with the given vector elements.
func httptestPrometheus(t *testing.T, elements ...string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[%s]}}`, strings.Join(elements, ","))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const wantValuesAfter = `# Values shared by staging and production.
config:
  providers:
    - name: anthropic
      type: anthropic
      api_key: ${ANTHROPIC_API_KEY}
    - name: openai
      type: openai
      api_key: ${OPENAI_API_KEY}
  models:
    - match: "claude-*"
      provider: anthropic
    - match: "gpt-5*"
      provider: openai
    # Added by the nightly models workflow on DATE: the providers' catalogs list
    # these models and no rule routed them.
    # openai lists gpt-6 (no price yet)
    - match: gpt-6
      provider: openai
    # openai lists o5-mini
    - match: o5-mini
      provider: openai
  keys:
`

// TestModelsPROpensOnePullRequest is the nightly story: tonight the catalogs list gpt-6 and
// o5-mini, which no rule routes; one pull request appends the rules `tollgate models -o yaml`
// printed, and its body says who asked (Prometheus), what has no price and which catalog
// failed. The second night opens nothing.
func TestModelsPROpensOnePullRequest(t *testing.T) {
	e := newModelsEnv(t)
	prom := fakePrometheus(t)
	before := readFile(t, filepath.Join(e.repo.Dir, valuesRel))

	code, out, stderr := e.run(t, "-prometheus", prom.URL)
	if code != 1 || !strings.Contains(stderr, "catalog not fetched: gemini") {
		t.Fatalf("exit %d: a failed catalog makes the run exit 1 after the pull request", code)
	}
	st := e.gh.State(t)
	if len(st.PRs) != 1 {
		t.Fatalf("%d pull requests, want 1: %+v", len(st.PRs), st.PRs)
	}
	pr := st.PRs[0]
	if !strings.HasPrefix(pr.HeadRefName, modelsBranchPrefix) || pr.BaseRefName != "main" {
		t.Errorf("head %s base %s", pr.HeadRefName, pr.BaseRefName)
	}
	if pr.Title != "models: route 2 new provider models (gpt-6, o5-mini)" {
		t.Errorf("title %q", pr.Title)
	}
	if !strings.Contains(out, "opened "+pr.URL) {
		t.Errorf("stdout %q does not name the pull request", out)
	}
	for _, want := range []string{
		"appends the 2 rules `tollgate models -o yaml` proposes to `config.models` in `deploy/release/values/common.yaml`",
		"| openai | `gpt-6` | **no** |",
		"| openai | `o5-mini` | yes |",
		"(`tollgate_unrouted_requests_total` from " + prom.URL + ")",
		"| `gpt-6` | 42 |",
		"7 requests asked for names the price table does not know",
		"`claude-typo` (3)",
		"- `gpt-6` on openai (added here)",
		"- `claude-nextgen-9` on anthropic (already routed by `claude-*`)",
		"- gemini: GET https://generativelanguage.googleapis.com/v1beta/models: 500",
		"<!-- tollgate-models-set: " + strings.TrimPrefix(pr.HeadRefName, modelsBranchPrefix) + " -->",
	} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, pr.Body)
		}
	}
	if strings.Contains(pr.Body, "`o5-mini` |") && strings.Contains(pr.Body, "| `o5-mini` | 0") {
		t.Error("a zero count is listed as a request")
	}

	// The branch holds exactly the appended rules; main and the checkout are untouched.
	got := e.repo.Show(t, pr.HeadRefName+":"+valuesRel)
	if want := wantValuesAfter; !strings.HasPrefix(replaceDate(got), want) {
		t.Errorf("values on the branch:\n%s\nwant prefix:\n%s", got, want)
	}
	if e.repo.Show(t, "main:"+valuesRel) != before || readFile(t, filepath.Join(e.repo.Dir, valuesRel)) != before {
		t.Error("main or the checkout changed")
	}
	if s := fakes.Git(t, e.repo.Dir, "status", "--porcelain"); s != "" {
		t.Errorf("checkout not clean: %s", s)
	}
	if b := strings.TrimSpace(fakes.Git(t, e.repo.Dir, "rev-parse", "--abbrev-ref", "HEAD")); b != "main" {
		t.Errorf("checkout left on %s", b)
	}
	if msg := fakes.Git(t, e.repo.Remote, "log", "-1", "--format=%an|%s", pr.HeadRefName); msg != "github-actions[bot]|"+pr.Title+"\n" {
		t.Errorf("commit %q", msg)
	}

	// The second night: same catalogs, no new pull request.
	code, out, _ = e.run(t, "-prometheus", prom.URL)
	st = e.gh.State(t)
	if code != 1 || len(st.PRs) != 1 || len(calls(st, "pr create")) != 1 || !strings.Contains(out, "already proposes") {
		t.Errorf("second run: exit %d, %d PRs, %d creates; %s", code, len(st.PRs), len(calls(st, "pr create")), out)
	}

	// A human closes it: the same set is not proposed again.
	st.PRs[0].State = "CLOSED"
	e.gh.Save(t, st)
	e.run(t)
	if st = e.gh.State(t); len(st.PRs) != 1 {
		t.Errorf("a closed pull request for the same models was reopened: %+v", st.PRs)
	}
}

func replaceDate(s string) string {
	i := strings.Index(s, "workflow on ")
	if i < 0 {
		return s
	}
	return s[:i+len("workflow on ")] + "DATE" + s[i+len("workflow on ")+10:]
}

// TestModelsPRSupersedes: a new model the next night gives a new set, a new pull request,
// and the open one for the older set is closed.
func TestModelsPRSupersedes(t *testing.T) {
	e := newModelsEnv(t)
	e.run(t)
	writeFile(t, e.json, strings.Replace(readFile(t, "testdata/models.json"),
		`{"id": "o5-mini"`, `{"id": "o6", "route": "none", "client_model": "", "rule": "", "priced": true},
    {"id": "o5-mini"`, 1))
	writeFile(t, e.yaml, readFile(t, "testdata/models.yaml")+"  - match: o6\n    provider: openai\n")
	e.run(t)
	st := e.gh.State(t)
	if len(st.PRs) != 2 || st.PRs[0].State != "CLOSED" || st.PRs[1].State != "OPEN" {
		t.Fatalf("PRs %+v", st.PRs)
	}
	if !strings.Contains(st.PRs[0].Body, "Superseded by "+st.PRs[1].URL) || !strings.Contains(st.PRs[1].Title, "3 new provider models") {
		t.Errorf("old %q / new %q", st.PRs[0].Body, st.PRs[1].Title)
	}
	if out := fakes.Git(t, e.repo.Remote, "branch", "--list", st.PRs[0].HeadRefName); out != "" {
		t.Errorf("superseded branch kept: %s", out)
	}
}

func TestModelsPRWithoutPrometheus(t *testing.T) {
	e := newModelsEnv(t)
	e.run(t)
	if body := e.gh.State(t).PRs[0].Body; !strings.Contains(body, "Prometheus was not available (PROMETHEUS_URL is not set)") {
		t.Errorf("body:\n%s", body)
	}

	e = newModelsEnv(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	t.Setenv("PROMETHEUS_URL", down.URL)
	e.run(t)
	if body := e.gh.State(t).PRs[0].Body; !strings.Contains(body, "Prometheus was not available (Get ") {
		t.Errorf("body:\n%s", body)
	}
}

func TestModelsPRNothingToDo(t *testing.T) {
	e := newModelsEnv(t)
	writeFile(t, e.json, `{"providers":[{"name":"anthropic","type":"anthropic","error":"","models":[
		{"id":"claude-x","route":"glob","client_model":"claude-x","rule":"claude-*","priced":false}]}]}`)
	t.Setenv("FAKE_MODELS_EXIT", "0")
	code, out, _ := e.run(t)
	if code != 0 || !strings.Contains(out, "every catalog model is routed; 1 routed models have no price") {
		t.Errorf("exit %d %q", code, out)
	}
	if st := e.gh.State(t); len(st.Calls) != 0 {
		t.Errorf("gh called: %v", st.Calls)
	}
}

// TestModelsPRBadInput: each bad answer of `tollgate models` is a clear error with exit 1,
// and nothing is written, committed or pushed.
func TestModelsPRBadInput(t *testing.T) {
	tests := []struct {
		name, json, yaml, exit, want string
	}{
		{name: "html", json: "<html>502 Bad Gateway</html>", want: "printed no model report"},
		{name: "truncated", json: `{"providers":[{"name":"a","models":[`, want: "printed no model report"},
		{name: "no providers", json: `{}`, want: `no "providers" list`},
		{name: "unknown route", json: `{"providers":[{"name":"a","models":[{"id":"m","route":"maybe"}]}]}`, want: `route "maybe"`},
		{name: "usage error", json: `{"providers":[]}`, exit: "2", want: "exit status 2"},
		{name: "yaml flow list", yaml: "models: [{match: gpt-6, provider: openai}]\n", want: "flow-style"},
		{name: "yaml no rules", yaml: "models: []\n", want: "printed no rules, but 2 models have route none"},
		{name: "yaml invalid", yaml: "models:\n  - match: [\n", want: "items:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newModelsEnv(t)
			if tt.json != "" {
				writeFile(t, e.json, tt.json)
			}
			if tt.yaml != "" {
				writeFile(t, e.yaml, tt.yaml)
			}
			if tt.exit != "" {
				t.Setenv("FAKE_MODELS_EXIT", tt.exit)
			}
			before := readFile(t, filepath.Join(e.repo.Dir, valuesRel))
			code, _, stderr := e.run(t)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
			if readFile(t, filepath.Join(e.repo.Dir, valuesRel)) != before {
				t.Error("values file changed")
			}
			if b := fakes.Git(t, e.repo.Remote, "branch", "--list", modelsBranchPrefix+"*"); b != "" {
				t.Errorf("branch pushed: %s", b)
			}
			if st := e.gh.State(t); len(calls(st, "pr create")) != 0 {
				t.Error("pull request created")
			}
		})
	}
}

// TestModelsPRRecoversFromAFailedCreate: when gh fails after the push, the next run opens
// the pull request (the branch exists, no pull request names it).
func TestModelsPRRecoversFromAFailedCreate(t *testing.T) {
	e := newModelsEnv(t)
	st := e.gh.State(t)
	st.Fail = []string{"pr create"}
	e.gh.Save(t, st)
	if code, _, stderr := e.run(t); code != 1 || !strings.Contains(stderr, "pr create failed (as told)") {
		t.Fatalf("exit %d %q", code, stderr)
	}
	st = e.gh.State(t)
	st.Fail = nil
	e.gh.Save(t, st)
	e.run(t)
	if st = e.gh.State(t); len(st.PRs) != 1 {
		t.Errorf("PRs after recovery: %+v", st.PRs)
	}
}
