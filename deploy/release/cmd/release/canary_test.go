package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/deploy/release/internal/fakes"
	"github.com/tollgate/tollgate/deploy/release/reqdiff"
)

const (
	pinsRel     = "e2e/clients/versions.json"
	baselineRel = "deploy/release/request-shapes.json"
)

// fakeNPM answers `npm view PACKAGE@latest version` from a table.
func fakeNPM(t *testing.T, versions map[string]string) string {
	t.Helper()
	var cases strings.Builder
	for pkg, v := range versions {
		fmt.Fprintf(&cases, "  \"view %s@latest version\") echo '%s' ;;\n", pkg, v)
	}
	return fakes.WriteScript(t, t.TempDir(), "npm", "case \"$*\" in\n"+cases.String()+
		"  *) echo \"npm ERR! 404 '$*' is not in this registry\" >&2; exit 1 ;;\nesac\n")
}

func TestCanaryVersions(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "output"))
	npm := fakeNPM(t, map[string]string{"@anthropic-ai/claude-code": "2.2.0", "@openai/codex": "0.172.0", "@google/gemini-cli": "0.61.0"})
	out := filepath.Join(dir, "latest.json")
	code, stdout, _ := run(t, "canary-versions", "-pins", "../../../../e2e/clients/versions.json", "-npm", npm, "-out", out)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := readFile(t, out); got != "{\n  \"claude-code\": \"2.2.0\",\n  \"codex\": \"0.172.0\",\n  \"gemini-cli\": \"0.61.0\"\n}\n" {
		t.Errorf("latest.json:\n%s", got)
	}
	for _, want := range []string{"claude-code: pinned 2.1.332, newest 2.2.0", "gemini-cli: pinned 0.61.0 is the newest"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	output := readFile(t, filepath.Join(dir, "output"))
	for _, want := range []string{
		"changed<<__TOLLGATE_EOF__\ntrue\n",
		"clients<<__TOLLGATE_EOF__\nclaude-code codex\n",
		"packages<<__TOLLGATE_EOF__\n@anthropic-ai/claude-code@2.2.0 @openai/codex@0.172.0 @google/gemini-cli@0.61.0\n",
	} {
		if !strings.Contains(output, want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, output)
		}
	}

	// npm printing something else than a version never reaches a command line.
	bad := fakeNPM(t, map[string]string{"@anthropic-ai/claude-code": "2.2.0; curl evil", "@openai/codex": "1.0.0", "@google/gemini-cli": "1.0.0"})
	if code, _, stderr := run(t, "canary-versions", "-pins", "../../../../e2e/clients/versions.json", "-npm", bad, "-out", out); code != 1 || !strings.Contains(stderr, "is not a version") {
		t.Errorf("bad version: exit %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "canary-versions", "-pins", writeFile(t, filepath.Join(dir, "p.json"), `{"cursor":"1.0.0"}`), "-npm", npm, "-out", out); code != 1 || !strings.Contains(stderr, `unknown client "cursor"`) {
		t.Errorf("unknown client: exit %d %q", code, stderr)
	}
}

// The pins file shipped here names exactly the clients the canary knows.
func TestShippedPins(t *testing.T) {
	pins, err := readPins("../../../../e2e/clients/versions.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"claude-code": "2.1.332", "codex": "0.171.0", "gemini-cli": "0.61.0"}
	if fmt.Sprint(pins) != fmt.Sprint(want) {
		t.Errorf("pins %v, want %v", pins, want)
	}
	if got := string(pinsJSON(pins)); got != readFile(t, "../../../../e2e/clients/versions.json") {
		t.Errorf("clients.json is not written as the pin pull request writes it:\n%s", got)
	}
}

// events renders go test -json lines.
func events(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func ev(action, test, output string) string {
	b, _ := json.Marshal(map[string]string{"Action": action, "Package": "github.com/tollgate/tollgate/e2e/clients", "Test": test, "Output": output})
	s := string(b)
	if test == "" {
		s = strings.Replace(s, `,"Test":""`, "", 1)
	}
	return s
}

// canaryEnv: the repository with the pins and the baseline shapes (the reqdiff fixtures),
// tonight's newest versions (claude-code 2.2.0, codex 0.172.0; gemini-cli unchanged) and
// the shapes the suite recorded with them.
type canaryEnv struct {
	repo                    *fakes.Repo
	gh                      *fakes.GH
	latest, results, shapes string
}

func newCanaryEnv(t *testing.T, results string, withBaseline bool) *canaryEnv {
	t.Helper()
	files := map[string]string{pinsRel: readFile(t, "../../../../e2e/clients/versions.json")}
	if withBaseline {
		files[baselineRel] = readFile(t, "../../reqdiff/testdata/old.json")
	}
	e := &canaryEnv{repo: fakes.NewRepo(t, files), gh: fakes.InstallGH(t)}
	dir := t.TempDir()
	e.latest = writeFile(t, filepath.Join(dir, "latest.json"), `{"claude-code":"2.2.0","codex":"0.172.0","gemini-cli":"0.61.0"}`)
	e.results = writeFile(t, filepath.Join(dir, "results.json"), results)
	// The new run: the reqdiff fixture's claude-code 2.2.0, and codex 0.172.0 sending a new
	// body field.
	shapes := strings.Replace(readFile(t, "../../reqdiff/testdata/new.json"),
		`"version": "0.171.0", "method": "POST", "path": "/v1/responses",
   "headers": ["authorization", "content-type", "openai-beta", "session_id"],
   "body_fields": ["include", "input",`,
		`"version": "0.172.0", "method": "POST", "path": "/v1/responses",
   "headers": ["authorization", "content-type", "openai-beta", "session_id"],
   "body_fields": ["include", "input", "prompt_cache_key",`, 1)
	shapes = strings.Replace(shapes, `"version": "0.62.0"`, `"version": "0.61.0"`, 1)
	e.shapes = writeFile(t, filepath.Join(dir, "shapes.json"), shapes)
	return e
}

func (e *canaryEnv) run(t *testing.T) (int, string, string) {
	return run(t, "canary-report", "-repo", e.repo.Dir, "-latest", e.latest, "-results", e.results, "-shapes", e.shapes)
}

var mixedResults = events(
	ev("run", "TestRealClients", ""),
	ev("run", "TestRealClients/claude-code/messages", ""),
	ev("output", "TestRealClients/claude-code/messages", "=== RUN   TestRealClients/claude-code/messages\n"),
	ev("pass", "TestRealClients/claude-code/messages", ""),
	ev("run", "TestRealClients/codex/responses", ""),
	ev("output", "TestRealClients/codex/responses", "    clients_test.go:88: codex exited 1: 400 from /v1/responses: unknown field \"prompt_cache_key\"\n"),
	ev("fail", "TestRealClients/codex/responses", ""),
	ev("run", "TestRealClients/gemini-cli/generate", ""),
	ev("pass", "TestRealClients/gemini-cli/generate", ""),
	ev("fail", "TestRealClients", ""),
	ev("output", "", "FAIL\n"),
	ev("fail", "", ""),
)

// TestCanaryReport is the new-client story: claude-code 2.2.0 passes and gets the pin pull
// request (with its recorded requests as the new baseline); codex 0.172.0 fails and gets an
// issue naming it, with the failing test and what changed in its requests. A second run
// opens nothing more.
func TestCanaryReport(t *testing.T) {
	e := newCanaryEnv(t, mixedResults, true)
	code, out, _ := e.run(t)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"claude-code 2.1.332 → 2.2.0: pass", "codex 0.171.0 → 0.172.0: fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	st := e.gh.State(t)
	if len(st.PRs) != 1 || len(st.Issues) != 1 {
		t.Fatalf("%d PRs, %d issues: %+v %+v", len(st.PRs), len(st.Issues), st.PRs, st.Issues)
	}

	pr := st.PRs[0]
	if pr.Title != "clients: move the pins to claude-code 2.2.0" || !strings.HasPrefix(pr.HeadRefName, "canary/pins-") {
		t.Errorf("pr %q on %s", pr.Title, pr.HeadRefName)
	}
	for _, want := range []string{"| claude-code | `@anthropic-ai/claude-code` | 2.1.332 | 2.2.0 |", "### claude-code 2.1.332 → 2.2.0", "- `POST /v1/messages/count_tokens`"} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("PR body lacks %q:\n%s", want, pr.Body)
		}
	}
	var pins map[string]string
	if err := json.Unmarshal([]byte(e.repo.Show(t, pr.HeadRefName+":"+pinsRel)), &pins); err != nil {
		t.Fatal(err)
	}
	if pins["claude-code"] != "2.2.0" || pins["codex"] != "0.171.0" || pins["gemini-cli"] != "0.61.0" {
		t.Errorf("pins on the branch: %v", pins)
	}
	baseline, err := reqdiff.Parse(strings.NewReader(e.repo.Show(t, pr.HeadRefName+":"+baselineRel)))
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]bool{}
	for _, s := range baseline {
		versions[s.Client+" "+s.Version] = true
	}
	if fmt.Sprint(versions) != "map[claude-code 2.2.0:true codex 0.171.0:true gemini-cli 0.61.0:true]" {
		t.Errorf("baseline on the branch holds %v: want claude-code's new shapes and the others' old ones", versions)
	}

	is := st.Issues[0]
	if is.Title != "Client canary: codex 0.172.0 fails the real-client suite" {
		t.Errorf("issue title %q", is.Title)
	}
	for _, want := range []string{
		"with **codex 0.172.0** (npm `@openai/codex`)",
		"The pin stays at 0.171.0",
		"<code>TestRealClients/codex/responses</code>",
		`unknown field "prompt_cache_key"`,
		"### codex 0.171.0 → 0.172.0",
		"| body fields | `prompt_cache_key` |  |",
	} {
		if !strings.Contains(is.Body, want) {
			t.Errorf("issue body lacks %q:\n%s", want, is.Body)
		}
	}

	// The next night, same versions, same results: nothing new.
	if code, out, _ = e.run(t); code != 0 || !strings.Contains(out, "already moves the pins") || !strings.Contains(out, "already reports codex 0.172.0") {
		t.Errorf("second run: exit %d %q", code, out)
	}
	if st = e.gh.State(t); len(st.PRs) != 1 || len(st.Issues) != 1 {
		t.Errorf("second run created more: %d PRs, %d issues", len(st.PRs), len(st.Issues))
	}
}

// TestCanaryReportBuildFailure: the suite did not build; no pin moves and both new versions
// get an issue quoting the build output.
func TestCanaryReportBuildFailure(t *testing.T) {
	results := "# github.com/tollgate/tollgate/e2e/clients\nclients_test.go:12:2: undefined: harness.Start\n" +
		events(ev("build-output", "", "clients_test.go:12:2: undefined: harness.Start\n"), ev("fail", "", ""))
	e := newCanaryEnv(t, results, true)
	if code, _, _ := e.run(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st := e.gh.State(t)
	if len(st.PRs) != 0 || len(st.Issues) != 2 {
		t.Fatalf("%d PRs, %d issues", len(st.PRs), len(st.Issues))
	}
	for _, is := range st.Issues {
		if !strings.Contains(is.Body, "the suite failed before running a test") || !strings.Contains(is.Body, "undefined: harness.Start") {
			t.Errorf("issue %q:\n%s", is.Title, is.Body)
		}
	}
}

// TestCanaryReportNotRun: a client with a new version but no test (not installed?) is
// neither pinned nor reported as failing; the run exits 1 so that someone looks.
func TestCanaryReportNotRun(t *testing.T) {
	e := newCanaryEnv(t, events(ev("pass", "TestRealClients/gemini-cli/generate", ""), ev("pass", "TestRealClients", ""), ev("pass", "", "")), true)
	code, _, stderr := e.run(t)
	if code != 1 || !strings.Contains(stderr, "no test of the suite ran claude-code 2.2.0") {
		t.Errorf("exit %d %q", code, stderr)
	}
	if st := e.gh.State(t); len(st.PRs)+len(st.Issues) != 0 {
		t.Errorf("opened %+v %+v", st.PRs, st.Issues)
	}
}

// TestCanaryReportFirstBaseline: with no recorded baseline yet, the pin pull request says
// so and creates it.
func TestCanaryReportFirstBaseline(t *testing.T) {
	e := newCanaryEnv(t, mixedResults, false)
	if code, _, _ := e.run(t); code != 0 {
		t.Fatal("failed")
	}
	st := e.gh.State(t)
	pr := st.PRs[0]
	if !strings.Contains(pr.Body, "_(request-shapes.json does not exist)_") || !strings.Contains(pr.Body, "No requests recorded for the last passing version") {
		t.Errorf("PR body:\n%s", pr.Body)
	}
	shapes, err := reqdiff.Parse(strings.NewReader(e.repo.Show(t, pr.HeadRefName+":"+baselineRel)))
	if err != nil || len(shapes) != 2 || shapes[0].Client != "claude-code" {
		t.Errorf("baseline %+v %v", shapes, err)
	}
	if _, err := os.Stat(filepath.Join(e.repo.Dir, baselineRel)); !os.IsNotExist(err) {
		t.Error("baseline written into the checkout of main")
	}
}

func TestCanaryReportUnattributed(t *testing.T) {
	e := newCanaryEnv(t, events(
		ev("pass", "TestRealClients/claude-code/messages", ""),
		ev("pass", "TestRealClients/codex/responses", ""),
		ev("output", "TestHarnessStarts", "harness: listen: address already in use\n"),
		ev("fail", "TestHarnessStarts", ""),
		ev("fail", "", "")), true)
	e.run(t)
	st := e.gh.State(t)
	if len(st.PRs) != 0 || len(st.Issues) != 2 || !strings.Contains(st.Issues[0].Body, "tests that name no client failed") {
		t.Errorf("%+v %+v", st.PRs, st.Issues)
	}
}

func TestParseTestJSONRejectsGarbage(t *testing.T) {
	if _, err := parseTestJSON(strings.NewReader("{\"Action\":\n")); err == nil {
		t.Error("accepted a truncated event")
	}
}
