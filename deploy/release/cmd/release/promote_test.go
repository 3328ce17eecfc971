package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/check"
	"github.com/tollgate/tollgate/deploy/release/internal/fakes"
)

const recordRel = "deploy/release/production.json"

func commitOf(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(fakes.Git(t, dir, "rev-parse", "HEAD"))
}

func image(commit string) string { return "ghcr.io/acme/tollgate:sha-" + commit }

// TestPromote: a staged commit opens the production pull request with the record of what
// staging ran; the same commit again does nothing; a newer staged commit updates the one
// pull request; once merged, promoting the same commit is a no-op.
func TestPromote(t *testing.T) {
	repo := fakes.NewRepo(t, map[string]string{"README.md": "x\n"})
	gh := fakes.InstallGH(t)
	c1 := commitOf(t, repo.Dir)
	smoke := writeFile(t, filepath.Join(t.TempDir(), "smoke.txt"), "MODEL  PROVIDER  STATUS\nclaude-sonnet-4-5  anthropic  200\n")

	code, out, _ := run(t, "promote", "-repo", repo.Dir, "-commit", c1, "-image", image(c1), "-smoke", smoke)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	st := gh.State(t)
	if len(st.PRs) != 1 {
		t.Fatalf("PRs %+v", st.PRs)
	}
	pr := st.PRs[0]
	if pr.HeadRefName != productionBranch || pr.BaseRefName != "main" || pr.Title != "production: deploy "+c1[:12]+" (staged and smoked)" {
		t.Errorf("pr %+v", pr)
	}
	for _, want := range []string{"| this pull request | `" + c1[:12] + "` | `" + image(c1) + "` |", "(no record yet)", "claude-sonnet-4-5  anthropic  200"} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, pr.Body)
		}
	}
	if !strings.Contains(out, "opened "+pr.URL) {
		t.Errorf("stdout %q", out)
	}
	var rec productionRecord
	if err := json.Unmarshal([]byte(repo.Show(t, productionBranch+":"+recordRel)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Commit != c1 || rec.Image != image(c1) || rec.Smoke != "passed" || rec.StagedAt == "" {
		t.Errorf("record %+v", rec)
	}
	if _, err := os.Stat(filepath.Join(repo.Dir, recordRel)); !os.IsNotExist(err) {
		t.Error("the record was left in the checkout of main")
	}

	// Same commit again (a re-run of the workflow): nothing.
	code, out, _ = run(t, "promote", "-repo", repo.Dir, "-commit", c1, "-image", image(c1))
	if st = gh.State(t); code != 0 || len(calls(st, "pr create"))+len(calls(st, "pr edit")) != 1 || !strings.Contains(out, "already promotes") {
		t.Errorf("re-run: exit %d, calls %v", code, st.Calls)
	}

	// A newer merge is staged before anyone merged: the same pull request now promotes it.
	repo.Write(t, "README.md", "y\n")
	fakes.Git(t, repo.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "next")
	fakes.Git(t, repo.Dir, "push", "-q", "origin", "main")
	c2 := commitOf(t, repo.Dir)
	if code, _, _ := run(t, "promote", "-repo", repo.Dir, "-commit", c2, "-image", image(c2)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st = gh.State(t)
	if len(st.PRs) != 1 || len(calls(st, "pr edit")) != 1 || !strings.Contains(st.PRs[0].Title, c2[:12]) || !strings.Contains(st.PRs[0].Body, c2) {
		t.Errorf("after a newer staging: %+v", st.PRs)
	}
	if !strings.Contains(repo.Show(t, productionBranch+":"+recordRel), c2) {
		t.Error("branch does not record the newer commit")
	}

	// Merged: main's record is c2; staging c2 again changes nothing.
	fakes.Git(t, repo.Dir, "fetch", "-q", "origin")
	fakes.Git(t, repo.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q", "--no-edit", "origin/"+productionBranch)
	st.PRs[0].State = "MERGED"
	gh.Save(t, st)
	code, out, _ = run(t, "promote", "-repo", repo.Dir, "-commit", c2, "-image", image(c2))
	if code != 0 || !strings.Contains(out, "production already runs") {
		t.Errorf("after merge: exit %d %q", code, out)
	}
}

func TestPromoteErrors(t *testing.T) {
	repo := fakes.NewRepo(t, map[string]string{recordRel: "{not json"})
	fakes.InstallGH(t)
	c := commitOf(t, repo.Dir)
	if code, _, stderr := run(t, "promote", "-repo", repo.Dir, "-commit", c, "-image", image(c)); code != 1 || !strings.Contains(stderr, "production.json") {
		t.Errorf("bad record: exit %d %q", code, stderr)
	}
	if code, _, _ := run(t, "promote", "-repo", repo.Dir, "-commit", c, "-image", "ghcr.io/acme/tollgate:sha-x; rm -rf /"); code != 2 {
		t.Errorf("bad image accepted")
	}
}

// TestDayOneStory walks the README's day-one story with fakes, from the nightly pull
// request to the production pull request, on the values this directory ships:
//
//  1. tonight the openai catalog lists o4-mini (the price table knows it) and o6-preview
//     (it does not), which no rule routes (the shipped rules are the claude-* and gpt-*
//     families). Clients already asked: they got 404s, TollgateUnroutedRequests fired
//     (deploy/prometheus/alerts_test.yaml) and Prometheus counted 42 requests for o4-mini and
//     7 for `other`. models-pr opens the pull request, which says so;
//  2. its check (render + tollgate check -strict) fails: o6-preview has no price. A reviewer
//     adds a pricing.overrides entry to the branch; the check passes; it is merged;
//  3. the release workflow renders main, checks it, deploys it (helm: not run here) and runs
//     tollgate smoke (a fake that must be handed the rendered config with the new rules);
//  4. promote opens the production pull request for the merged commit.
func TestDayOneStory(t *testing.T) {
	e := newModelsEnv(t)
	e.repo.Write(t, valuesRel, readFile(t, filepath.Join(valuesDir, "common.yaml")))
	fakes.Git(t, e.repo.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "shipped values")
	fakes.Git(t, e.repo.Dir, "push", "-q", "origin", "main")
	writeFile(t, e.json, `{"providers":[{"name":"openai","type":"openai","error":"","models":[
		{"id":"gpt-5.1","route":"glob","client_model":"gpt-5.1","rule":"gpt-*","priced":true},
		{"id":"o4-mini","route":"none","client_model":"","rule":"","priced":true},
		{"id":"o6-preview","route":"none","client_model":"","rule":"","priced":false}]}]}`)
	writeFile(t, e.yaml, "models:\n  - match: o4-mini\n    provider: openai\n  - match: o6-preview\n    provider: openai\n")
	t.Setenv("FAKE_MODELS_EXIT", "0")
	prom := httptestPrometheus(t, `{"metric":{"model":"o4-mini"},"value":[1,"42"]}`, `{"metric":{"model":"other"},"value":[1,"7"]}`)

	// 1. The nightly pull request.
	if code, _, _ := e.run(t, "-prometheus", prom); code != 0 {
		t.Fatalf("models-pr exit %d", code)
	}
	pr := e.gh.State(t).PRs[0]
	for _, want := range []string{"| `o4-mini` | 42 |", "7 requests asked for names the price table does not know", "- `o6-preview` on openai (added here)"} {
		if !strings.Contains(pr.Body, want) {
			t.Fatalf("the pull request lacks %q:\n%s", want, pr.Body)
		}
	}

	// 2. Its check, on the branch.
	renderCheck := func(ref string) check.Report {
		t.Helper()
		vals := writeFile(t, filepath.Join(t.TempDir(), "common.yaml"), e.repo.Show(t, ref+":"+valuesRel))
		out := t.TempDir()
		if code, _, _ := run(t, "render", "-chart", chartDir, "-f", vals, "-f", filepath.Join(valuesDir, "staging.yaml"), "-out", out); code != 0 {
			t.Fatalf("render %s: exit %d", ref, code)
		}
		env := readEnvFile(t, filepath.Join(out, "env"))
		return check.Run(check.Options{Config: filepath.Join(out, "tollgate.yaml"), Envoy: filepath.Join(out, "envoy.yaml"), Strict: true,
			Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	}
	r := renderCheck(pr.HeadRefName)
	if r.OK || strings.Join(r.Unpriced, ",") != "o6-preview" || r.Models != 4 {
		t.Fatalf("check of the nightly branch: ok=%v unpriced=%v rules=%d errors=%q; want a failure on o6-preview's price", r.OK, r.Unpriced, r.Models, r.Errors)
	}
	fakes.Git(t, e.repo.Dir, "fetch", "-q", "origin")
	fakes.Git(t, e.repo.Dir, "checkout", "-q", pr.HeadRefName)
	priced := strings.Replace(readFile(t, filepath.Join(e.repo.Dir, valuesRel)), "\nproviderSecrets:",
		"  pricing:\n    overrides:\n      o6-preview: {input: 5, output: 40}\n\nproviderSecrets:", 1)
	e.repo.Write(t, valuesRel, priced)
	fakes.Git(t, e.repo.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "price o6-preview")
	fakes.Git(t, e.repo.Dir, "push", "-q", "origin", pr.HeadRefName)
	if r = renderCheck(pr.HeadRefName); !r.OK {
		t.Fatalf("check after the price: %q", r.Errors)
	}
	fakes.Git(t, e.repo.Dir, "checkout", "-q", "main")
	fakes.Git(t, e.repo.Dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q", "--no-ff", "--no-edit", pr.HeadRefName)
	fakes.Git(t, e.repo.Dir, "push", "-q", "origin", "main")
	st := e.gh.State(t)
	st.PRs[0].State = "MERGED"
	e.gh.Save(t, st)
	merged := commitOf(t, e.repo.Dir)

	// 3. The release workflow on main: render, check, smoke.
	if r = renderCheck("main"); !r.OK {
		t.Fatalf("check of main: %q", r.Errors)
	}
	out := t.TempDir()
	run(t, "render", "-chart", chartDir, "-f", filepath.Join(e.repo.Dir, valuesRel), "-f", filepath.Join(valuesDir, "staging.yaml"), "-out", out)
	smokeBin := fakes.WriteScript(t, t.TempDir(), "tollgate", `grep -q 'match: o6-preview' "$7" || { echo "o6-preview is not in $7" >&2; exit 1; }
echo "o4-mini openai 200 ttft=0.4s"
echo "o6-preview openai 200 ttft=0.9s"
`)
	b, err := exec.Command(smokeBin, "smoke", "-gateway", "http://staging", "-key", "k", "-config", filepath.Join(out, "tollgate.yaml")).Output()
	if err != nil {
		t.Fatalf("smoke: %v", err)
	}
	smokeOut := writeFile(t, filepath.Join(t.TempDir(), "smoke.txt"), string(b))

	// 4. The production pull request.
	if code, _, _ := run(t, "promote", "-repo", e.repo.Dir, "-commit", merged, "-image", image(merged), "-smoke", smokeOut); code != 0 {
		t.Fatal("promote failed")
	}
	st = e.gh.State(t)
	last := st.PRs[len(st.PRs)-1]
	if len(st.PRs) != 2 || last.HeadRefName != productionBranch || !strings.Contains(last.Body, "o6-preview openai 200") || !strings.Contains(last.Body, merged[:12]) {
		t.Errorf("production pull request %+v", last)
	}
}
