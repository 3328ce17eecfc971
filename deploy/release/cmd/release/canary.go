package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tollgate/tollgate/deploy/release/internal/relkit"
	"github.com/tollgate/tollgate/deploy/release/reqdiff"
)

// clientPackages maps the client names of e2e/clients/versions.json (and of the real-client suite's
// subtests and request shapes) to their npm packages.
var clientPackages = map[string]string{
	"claude-code": "@anthropic-ai/claude-code",
	"codex":       "@openai/codex",
	"gemini-cli":  "@google/gemini-cli",
}

// versionRE is a published npm version; anything else from npm is refused before it reaches
// a command line or a file.
var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// readPins reads a {"client": "version"} file (clients.json, or canary-versions' output).
func readPins(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var pins map[string]string
	if err := dec.Decode(&pins); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pins) == 0 {
		return nil, fmt.Errorf("%s: no clients", path)
	}
	for c, v := range pins {
		if _, ok := clientPackages[c]; !ok {
			return nil, fmt.Errorf("%s: unknown client %q (known: claude-code, codex, gemini-cli)", path, c)
		}
		if !versionRE.MatchString(v) {
			return nil, fmt.Errorf("%s: %s version %q is not a version", path, c, v)
		}
	}
	return pins, nil
}

// pinsJSON writes pins as e2e/clients/versions.json is written: sorted keys, two-space indent.
func pinsJSON(pins map[string]string) []byte {
	b, _ := json.MarshalIndent(pins, "", "  ") // maps marshal with sorted keys
	return append(b, '\n')
}

func sortedClients(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func canaryVersions(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("canary-versions", stderr)
	pinsPath := flags.String("pins", "e2e/clients/versions.json", "pinned client versions")
	out := flags.String("out", "", "file to write the newest versions to (same format)")
	npm := flags.String("npm", "npm", "npm binary")
	if !parseFlags(flags, args, "out") {
		return 2
	}
	pins, err := readPins(*pinsPath)
	if err != nil {
		return fail(stderr, "canary-versions", err)
	}
	r := relkit.Runner{Stderr: stderr}
	latest := map[string]string{}
	var changed, packages []string
	for _, c := range sortedClients(pins) {
		b, err := r.Output(*npm, "view", clientPackages[c]+"@latest", "version")
		if err != nil {
			return fail(stderr, "canary-versions", err)
		}
		v := strings.TrimSpace(string(b))
		if !versionRE.MatchString(v) {
			return fail(stderr, "canary-versions", fmt.Errorf("npm view %s: %q is not a version", clientPackages[c], v))
		}
		latest[c] = v
		packages = append(packages, clientPackages[c]+"@"+v)
		if v != pins[c] {
			changed = append(changed, c)
			fmt.Fprintf(stdout, "%s: pinned %s, newest %s\n", c, pins[c], v)
		} else {
			fmt.Fprintf(stdout, "%s: pinned %s is the newest\n", c, v)
		}
	}
	if err := relkit.WriteFileAtomic(*out, pinsJSON(latest)); err != nil {
		return fail(stderr, "canary-versions", err)
	}
	for k, v := range map[string]string{
		"changed":  fmt.Sprint(len(changed) > 0),
		"clients":  strings.Join(changed, " "),
		"packages": strings.Join(packages, " "),
	} {
		if err := relkit.SetOutput(k, v); err != nil {
			return fail(stderr, "canary-versions", err)
		}
	}
	return 0
}

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action string `json:"Action"`
	Test   string `json:"Test"`
	Output string `json:"Output"`
}

// suiteResult is what the real-client suite said about each client.
type suiteResult struct {
	passed, failed map[string][]string // client → test names
	unattributed   []string            // failed tests that name no client
	suiteFailed    bool                // the package failed (build error, panic, timeout)
	anyTest        bool
	output         map[string]*strings.Builder // test → output, bounded
	packageOutput  strings.Builder
}

const outputPerTest = 4000

// clientOf finds the client a test of the suite belongs to: TestRealClients/<client>/... by
// convention, else any client name within the test name.
func clientOf(test string) string {
	parts := strings.Split(test, "/")
	if len(parts) > 1 {
		if _, ok := clientPackages[parts[1]]; ok {
			return parts[1]
		}
	}
	for _, c := range sortedClients(clientPackages) {
		if strings.Contains(test, c) {
			return c
		}
	}
	return ""
}

func parseTestJSON(r io.Reader) (*suiteResult, error) {
	res := &suiteResult{passed: map[string][]string{}, failed: map[string][]string{}, output: map[string]*strings.Builder{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			// go test writes build errors as plain text before any event.
			if len(line) > 0 && res.packageOutput.Len() < outputPerTest {
				res.packageOutput.Write(line)
				res.packageOutput.WriteByte('\n')
			}
			continue
		}
		lines++
		var e testEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("go test -json line %d: %w", lines, err)
		}
		if e.Test == "" {
			if e.Action == "fail" {
				res.suiteFailed = true
			}
			if (e.Action == "output" || e.Action == "build-output") && res.packageOutput.Len() < outputPerTest {
				res.packageOutput.WriteString(e.Output)
			}
			continue
		}
		res.anyTest = true
		switch e.Action {
		case "output":
			b := res.output[e.Test]
			if b == nil {
				b = &strings.Builder{}
				res.output[e.Test] = b
			}
			if b.Len() < outputPerTest {
				b.WriteString(e.Output)
			}
		case "pass", "fail":
			c := clientOf(e.Test)
			if c == "" {
				if e.Action == "fail" && !strings.Contains(e.Test, "/") {
					// The parent of failed subtests fails too; only a top-level test
					// without attributable subtests counts as unattributed below.
					res.unattributed = append(res.unattributed, e.Test)
				}
				continue
			}
			if e.Action == "pass" {
				res.passed[c] = append(res.passed[c], e.Test)
			} else {
				res.failed[c] = append(res.failed[c], e.Test)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// A failed top-level test whose failure is explained by a client's subtest is not
	// unattributed.
	var un []string
	for _, t := range res.unattributed {
		explained := false
		for _, tests := range res.failed {
			for _, ft := range tests {
				if strings.HasPrefix(ft, t+"/") {
					explained = true
				}
			}
		}
		if !explained {
			un = append(un, t)
		}
	}
	res.unattributed = un
	return res, nil
}

// verdict is the canary's finding for one client with a new version.
type verdict struct {
	client, pinned, latest string
	status                 string   // pass, fail, notrun
	tests                  []string // failing tests (fail) or passing ones (pass)
	why                    string   // for fail without client tests
}

// judge decides, for each client whose newest version differs from its pin, whether the
// suite passed with it. The package fails whenever a test fails, so a package failure counts
// against every client only when no test failure explains it (a build error, a panic, a
// timeout): no pin moves on a run that went red for an unknown reason.
func judge(res *suiteResult, pins, latest map[string]string) []verdict {
	anyTestFailed := len(res.failed) > 0 || len(res.unattributed) > 0
	var out []verdict
	for _, c := range sortedClients(latest) {
		if latest[c] == pins[c] {
			continue
		}
		v := verdict{client: c, pinned: pins[c], latest: latest[c]}
		switch {
		case len(res.failed[c]) > 0:
			v.status, v.tests = "fail", res.failed[c]
		case len(res.unattributed) > 0:
			v.status, v.tests = "fail", res.unattributed
			v.why = "tests that name no client failed; the canary cannot tell which client broke them"
		case res.suiteFailed && !anyTestFailed && !res.anyTest:
			v.status, v.why = "fail", "the suite failed before running a test (see its output)"
		case res.suiteFailed && !anyTestFailed:
			v.status, v.why = "fail", "the suite failed outside any test (a panic or a timeout; see its output)"
		case len(res.passed[c]) > 0:
			v.status, v.tests = "pass", res.passed[c]
		default:
			v.status = "notrun"
		}
		out = append(out, v)
	}
	return out
}

// readShapes reads a shapes file; a missing file is an empty list and a note.
func readShapes(path string) ([]reqdiff.Shape, string, error) {
	if path == "" {
		return nil, "no shapes file given", nil
	}
	s, err := reqdiff.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Sprintf("%s does not exist", filepath.Base(path)), nil
	}
	return s, "", err
}

func canaryReport(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("canary-report", stderr)
	pinsPath := flags.String("pins", "e2e/clients/versions.json", "pinned client versions (relative to -repo; the pin pull request edits it)")
	latestPath := flags.String("latest", "", "newest versions, from canary-versions")
	results := flags.String("results", "", "`go test -json` output of the real-client suite")
	shapesPath := flags.String("shapes", "", "request shapes the suite recorded with the newest clients (TOLLGATE_REQUEST_SHAPES_OUT)")
	baseline := flags.String("baseline", "deploy/release/request-shapes.json", "request shapes of the pinned versions (relative to -repo; the pin pull request updates it)")
	base := flags.String("base", "main", "branch the pull request targets")
	repo := flags.String("repo", ".", "git checkout of the base branch")
	if !parseFlags(flags, args, "latest", "results") {
		return 2
	}
	log := relkit.Runner{Dir: *repo, Stderr: stderr}
	pins, err := readPins(filepath.Join(*repo, *pinsPath))
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	latest, err := readPins(*latestPath)
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	rf, err := os.Open(*results)
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	res, err := parseTestJSON(rf)
	rf.Close()
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	newShapes, newNote, err := readShapes(*shapesPath)
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	oldShapes, oldNote, err := readShapes(filepath.Join(*repo, *baseline))
	if err != nil {
		return fail(stderr, "canary-report", err)
	}
	diffs := reqdiff.Diff(oldShapes, newShapes)

	verdicts := judge(res, pins, latest)
	if len(verdicts) == 0 {
		fmt.Fprintln(stdout, "every pinned client is the newest version: nothing to report")
		return 0
	}
	gh := relkit.GitHub{Runner: log}
	status := 0
	var passing []verdict
	for _, v := range verdicts {
		fmt.Fprintf(stdout, "%s %s → %s: %s\n", v.client, v.pinned, v.latest, v.status)
		switch v.status {
		case "pass":
			passing = append(passing, v)
		case "notrun":
			fmt.Fprintf(stderr, "release canary-report: no test of the suite ran %s %s; is the client installed?\n", v.client, v.latest)
			status = 1
		case "fail":
			if err := canaryIssue(gh, stdout, v, res, reqdiff.Only(diffs, v.client), oldNote, newNote, *baseline); err != nil {
				return fail(stderr, "canary-report", err)
			}
		}
	}
	if len(passing) > 0 {
		if err := pinsPR(gh, log, stdout, passing, pins, oldShapes, newShapes, diffs, oldNote, newNote, *repo, *pinsPath, *baseline, *base); err != nil {
			return fail(stderr, "canary-report", err)
		}
	}
	return status
}

func issueTitle(v verdict) string {
	return fmt.Sprintf("Client canary: %s %s fails the real-client suite", v.client, v.latest)
}

func canaryIssue(gh relkit.GitHub, stdout io.Writer, v verdict, res *suiteResult, d reqdiff.ClientDiff, oldNote, newNote, baseline string) error {
	title := issueTitle(v)
	issues, err := gh.Issues()
	if err != nil {
		return err
	}
	for _, is := range issues {
		if is.Title == title {
			fmt.Fprintf(stdout, "issue #%d (%s) already reports %s %s: %s\n", is.Number, strings.ToLower(is.State), v.client, v.latest, is.URL)
			return nil
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The nightly client canary ran the real-client suite (`go test ./e2e/clients -run TestRealClients`, "+
		"`TOLLGATE_CLIENT_VERSIONS=latest`) with **%s %s** (npm `%s`); it fails. The pin stays at %s "+
		"(`e2e/clients/versions.json`) until a canary run passes.\n\n", v.client, v.latest, clientPackages[v.client], v.pinned)
	if v.why != "" {
		fmt.Fprintf(&b, "Note: %s.\n\n", v.why)
	}
	if len(v.tests) > 0 {
		b.WriteString("### Failing tests\n\n")
		for _, t := range v.tests {
			fmt.Fprintf(&b, "<details><summary><code>%s</code></summary>\n\n```\n%s\n```\n</details>\n\n", t, strings.TrimSpace(outputOf(res, t)))
		}
	}
	if v.why != "" && res.packageOutput.Len() > 0 {
		fmt.Fprintf(&b, "### Suite output\n\n```\n%s\n```\n\n", strings.TrimSpace(res.packageOutput.String()))
	}
	fmt.Fprintf(&b, "### What changed in the requests it sends\n\nAgainst the request shapes of the last passing version (`%s`):\n\n", baseline)
	for _, n := range []string{oldNote, newNote} {
		if n != "" {
			fmt.Fprintf(&b, "_(%s)_\n\n", n)
		}
	}
	var md bytes.Buffer
	reqdiff.Markdown(&md, []reqdiff.ClientDiff{d})
	b.Write(md.Bytes())
	if u := relkit.RunURL(); u != "" {
		fmt.Fprintf(&b, "\nCanary run: %s\n", u)
	}
	url, err := gh.CreateIssue(title, b.String())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "opened %s: %s\n", url, title)
	return nil
}

func outputOf(res *suiteResult, test string) string {
	if b := res.output[test]; b != nil {
		return b.String()
	}
	return "(no output)"
}

func pinsPR(gh relkit.GitHub, log relkit.Runner, stdout io.Writer, passing []verdict, pins map[string]string,
	oldShapes, newShapes []reqdiff.Shape, diffs []reqdiff.ClientDiff, oldNote, newNote, repo, pinsPath, baseline, base string) error {
	h := sha256.New()
	var names []string
	for _, v := range passing {
		fmt.Fprintf(h, "%s@%s\n", v.client, v.latest)
		names = append(names, v.client+" "+v.latest)
	}
	branch := "canary/pins-" + hex.EncodeToString(h.Sum(nil))[:12]
	prs, err := gh.PRs()
	if err != nil {
		return err
	}
	for _, p := range prs {
		if p.HeadRefName == branch {
			fmt.Fprintf(stdout, "pull request #%d (%s) already moves the pins to %s: %s\n", p.Number, strings.ToLower(p.State), strings.Join(names, ", "), p.URL)
			return nil
		}
	}

	moved := map[string]string{}
	for k, v := range pins {
		moved[k] = v
	}
	passed := map[string]bool{}
	for _, v := range passing {
		moved[v.client] = v.latest
		passed[v.client] = true
	}
	// The baseline becomes the passing clients' new shapes; the others' stay.
	var shapes []reqdiff.Shape
	for _, s := range oldShapes {
		if !passed[s.Client] {
			shapes = append(shapes, s)
		}
	}
	recorded := false
	for _, s := range newShapes {
		if passed[s.Client] {
			shapes = append(shapes, s)
			recorded = true
		}
	}
	files := []string{pinsPath}
	var shapesJSON []byte
	if recorded {
		if shapes == nil {
			shapes = []reqdiff.Shape{}
		}
		shapesJSON, err = json.MarshalIndent(shapes, "", "  ")
		if err != nil {
			return err
		}
		shapesJSON = append(shapesJSON, '\n')
		files = append(files, baseline)
	}

	title := "clients: move the pins to " + strings.Join(names, ", ")
	var b strings.Builder
	b.WriteString("The nightly client canary ran the real-client suite with the newest published clients and it passed. " +
		"This pull request moves their pins in `e2e/clients/versions.json`")
	if recorded {
		fmt.Fprintf(&b, " and records the requests they send in `%s` (the baseline of the next canary's diff)", baseline)
	}
	b.WriteString(".\n\n| client | npm package | pinned | newest |\n| --- | --- | --- | --- |\n")
	for _, v := range passing {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", v.client, clientPackages[v.client], v.pinned, v.latest)
	}
	b.WriteString("\n### What changed in the requests they send\n\n")
	for _, n := range []string{oldNote, newNote} {
		if n != "" {
			fmt.Fprintf(&b, "_(%s)_\n\n", n)
		}
	}
	var sel []reqdiff.ClientDiff
	for _, v := range passing {
		sel = append(sel, reqdiff.Only(diffs, v.client))
	}
	reqdiff.Markdown(&b, sel)
	if u := relkit.RunURL(); u != "" {
		fmt.Fprintf(&b, "\nCanary run: %s\n", u)
	}

	url, err := onBranch(log, branch, func() error {
		if err := relkit.WriteFileAtomic(filepath.Join(repo, pinsPath), pinsJSON(moved)); err != nil {
			return err
		}
		if shapesJSON != nil {
			if err := relkit.WriteFileAtomic(filepath.Join(repo, baseline), shapesJSON); err != nil {
				return err
			}
		}
		git := relkit.Git{Runner: log}
		if err := git.Commit(title, files...); err != nil {
			return err
		}
		return git.PushBranch(branch)
	}, func() (string, error) { return gh.CreatePR(base, branch, title, b.String()) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "opened %s: %s\n", url, title)
	return nil
}
