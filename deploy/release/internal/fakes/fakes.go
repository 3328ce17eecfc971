// Package fakes gives the release programs' tests a fake GitHub CLI, fake tools and a git
// repository with a local bare remote.
//
// The fake gh is the test binary itself: InstallGH writes a `gh` script on a temporary PATH
// directory that re-executes the test binary with TOLLGATE_RELEASE_FAKE=gh, and the test's
// TestMain calls Main first, which then acts as gh. Its pull requests and issues live in a
// JSON state file, so a second run of a release program sees what the first one created,
// and every call is recorded. `gh pr create` checks, like GitHub, that the head branch was
// pushed to the remote.
package fakes

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	toolEnv  = "TOLLGATE_RELEASE_FAKE"
	stateEnv = "TOLLGATE_FAKE_GH_STATE"
)

// Main runs the fake tool this process was started as, and exits; otherwise it returns.
// Call it first in TestMain.
func Main() {
	if os.Getenv(toolEnv) == "gh" {
		os.Exit(gh(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// PR is a fake pull request.
type PR struct {
	Number      int    `json:"number"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	HeadRefName string `json:"headRefName"`
	BaseRefName string `json:"baseRefName"`
	State       string `json:"state"` // OPEN, CLOSED, MERGED
	URL         string `json:"url"`
}

// Issue is a fake issue.
type Issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	State  string `json:"state"` // OPEN, CLOSED
	URL    string `json:"url"`
}

// State is the fake GitHub's content.
type State struct {
	Next   int        `json:"next"`
	PRs    []PR       `json:"prs"`
	Issues []Issue    `json:"issues"`
	Calls  [][]string `json:"calls"`
	// Fail makes the commands starting with these words ("pr create") exit 1.
	Fail []string `json:"fail"`
}

// GH is an installed fake gh.
type GH struct {
	BinDir    string // put on PATH
	StatePath string
}

// InstallGH writes the fake gh into a new directory and prepends it to PATH for the test.
func InstallGH(t *testing.T) *GH {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	g := &GH{BinDir: filepath.Join(dir, "bin"), StatePath: filepath.Join(dir, "gh-state.json")}
	if err := os.Mkdir(g.BinDir, 0o755); err != nil {
		t.Fatal(err)
	}
	WriteScript(t, g.BinDir, "gh", fmt.Sprintf("%s=gh %s=%s exec %s \"$@\"\n", toolEnv, stateEnv, shq(g.StatePath), shq(exe)))
	g.Save(t, State{Next: 1})
	t.Setenv("PATH", g.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return g
}

// State reads the fake's state.
func (g *GH) State(t *testing.T) State {
	t.Helper()
	s, err := load(g.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Save replaces the fake's state (to add pull requests or mark them merged).
func (g *GH) Save(t *testing.T, s State) {
	t.Helper()
	if err := save(g.StatePath, s); err != nil {
		t.Fatal(err)
	}
}

// shq quotes a string for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// WriteScript writes an executable sh script named name into dir.
func WriteScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

func save(path string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// gh implements the subset of the GitHub CLI the release programs use.
func gh(args []string, stdout, stderr io.Writer) int {
	path := os.Getenv(stateEnv)
	s, err := load(path)
	if err != nil {
		fmt.Fprintln(stderr, "fake gh:", err)
		return 1
	}
	s.Calls = append(s.Calls, args)
	code := func() int {
		if len(args) < 2 {
			fmt.Fprintln(stderr, "fake gh: usage: gh pr|issue COMMAND")
			return 1
		}
		for _, f := range s.Fail {
			if strings.HasPrefix(strings.Join(args, " "), f) {
				fmt.Fprintf(stderr, "fake gh: %s failed (as told)\n", f)
				return 1
			}
		}
		switch args[0] + " " + args[1] {
		case "pr list":
			return prList(&s, args[2:], stdout, stderr)
		case "pr create":
			return prCreate(&s, args[2:], stdout, stderr)
		case "pr edit":
			return prEdit(&s, args[2:], stderr)
		case "pr close":
			return prClose(&s, args[2:], stderr)
		case "issue list":
			return issueList(&s, args[2:], stdout, stderr)
		case "issue create":
			return issueCreate(&s, args[2:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "fake gh: unsupported command %q\n", args)
		return 1
	}()
	if err := save(path, s); err != nil {
		fmt.Fprintln(stderr, "fake gh:", err)
		return 1
	}
	return code
}

type flags struct {
	*flag.FlagSet
	values map[string]*string
}

func parse(args []string, stderr io.Writer, names ...string) (*flags, bool) {
	fs := flag.NewFlagSet("gh", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &flags{FlagSet: fs, values: map[string]*string{}}
	for _, n := range names {
		if n == "delete-branch" || n == "draft" {
			f.values[n] = new(string)
			fs.BoolFunc(n, "", func(string) error { *f.values[n] = "true"; return nil })
			continue
		}
		f.values[n] = fs.String(n, "", "")
	}
	if err := fs.Parse(args); err != nil {
		return nil, false
	}
	return f, true
}

func (f *flags) get(n string) string { return *f.values[n] }

// project writes items as JSON with only the requested --json fields, as gh does; an
// unknown field is an error.
func project[T any](items []T, fields string, known []string, stdout, stderr io.Writer) int {
	if fields == "" {
		fmt.Fprintln(stderr, "fake gh: the release programs always pass --json")
		return 1
	}
	out := []map[string]any{}
	for _, it := range items {
		b, _ := json.Marshal(it)
		var m map[string]any
		json.Unmarshal(b, &m)
		row := map[string]any{}
		for _, f := range strings.Split(fields, ",") {
			if !slices.Contains(known, f) {
				fmt.Fprintf(stderr, "Unknown JSON field: %q\n", f)
				return 1
			}
			row[f] = m[f]
		}
		out = append(out, row)
	}
	b, _ := json.Marshal(out)
	stdout.Write(append(b, '\n'))
	return 0
}

func stateMatches(want, state string) bool {
	switch want {
	case "", "open":
		return state == "OPEN"
	case "closed":
		return state == "CLOSED" || state == "MERGED"
	case "merged":
		return state == "MERGED"
	case "all":
		return true
	}
	return false
}

func limit(f *flags, n int) int {
	if l, err := strconv.Atoi(f.get("limit")); err == nil && l < n {
		return l
	}
	return n
}

func prList(s *State, args []string, stdout, stderr io.Writer) int {
	f, ok := parse(args, stderr, "state", "head", "limit", "json", "base")
	if !ok {
		return 1
	}
	var prs []PR
	for i := len(s.PRs) - 1; i >= 0; i-- { // newest first
		p := s.PRs[i]
		if stateMatches(f.get("state"), p.State) && (f.get("head") == "" || f.get("head") == p.HeadRefName) {
			prs = append(prs, p)
		}
	}
	prs = prs[:limit(f, len(prs))]
	return project(prs, f.get("json"), []string{"number", "title", "body", "headRefName", "baseRefName", "state", "url"}, stdout, stderr)
}

func readBody(f *flags) (string, error) {
	if f.get("body-file") == "" {
		return f.get("body"), nil
	}
	b, err := os.ReadFile(f.get("body-file"))
	return string(b), err
}

// remoteHas reports whether origin (of the repository in the working directory) has branch.
func remoteHas(branch string) bool {
	out, err := exec.Command("git", "ls-remote", "--heads", "origin", branch).Output()
	return err == nil && strings.TrimSpace(string(out)) != ""
}

func prCreate(s *State, args []string, stdout, stderr io.Writer) int {
	f, ok := parse(args, stderr, "base", "head", "title", "body", "body-file", "label", "draft")
	if !ok {
		return 1
	}
	body, err := readBody(f)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	head, base := f.get("head"), f.get("base")
	if head == "" || base == "" || f.get("title") == "" {
		fmt.Fprintln(stderr, "fake gh: pr create needs --base, --head and --title")
		return 1
	}
	if !remoteHas(head) || !remoteHas(base) {
		fmt.Fprintf(stderr, "pull request create failed: GraphQL: Head sha can't be blank, Base sha can't be blank, No commits between %s and %s\n", base, head)
		return 1
	}
	for _, p := range s.PRs {
		if p.HeadRefName == head && p.State == "OPEN" {
			fmt.Fprintf(stderr, "a pull request for branch %q into branch %q already exists:\n%s\n", head, base, p.URL)
			return 1
		}
	}
	n := s.Next
	s.Next++
	p := PR{Number: n, Title: f.get("title"), Body: body, HeadRefName: head, BaseRefName: base, State: "OPEN",
		URL: fmt.Sprintf("https://github.com/example/tollgate/pull/%d", n)}
	s.PRs = append(s.PRs, p)
	fmt.Fprintln(stdout, p.URL)
	return 0
}

func findPR(s *State, arg string, stderr io.Writer) *PR {
	n, err := strconv.Atoi(arg)
	if err != nil {
		fmt.Fprintf(stderr, "fake gh: %q is not a pull request number\n", arg)
		return nil
	}
	for i := range s.PRs {
		if s.PRs[i].Number == n {
			return &s.PRs[i]
		}
	}
	fmt.Fprintf(stderr, "GraphQL: Could not resolve to a PullRequest with the number of %d.\n", n)
	return nil
}

func prEdit(s *State, args []string, stderr io.Writer) int {
	if len(args) == 0 {
		return 1
	}
	p := findPR(s, args[0], stderr)
	f, ok := parse(args[1:], stderr, "title", "body", "body-file")
	if p == nil || !ok {
		return 1
	}
	body, err := readBody(f)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if t := f.get("title"); t != "" {
		p.Title = t
	}
	p.Body = body
	return 0
}

func prClose(s *State, args []string, stderr io.Writer) int {
	if len(args) == 0 {
		return 1
	}
	p := findPR(s, args[0], stderr)
	f, ok := parse(args[1:], stderr, "comment", "delete-branch")
	if p == nil || !ok {
		return 1
	}
	if p.State != "OPEN" {
		fmt.Fprintf(stderr, "Pull request #%d is already closed\n", p.Number)
		return 1
	}
	p.State = "CLOSED"
	p.Body += "\n\n[closed with comment] " + f.get("comment")
	if f.get("delete-branch") == "true" {
		exec.Command("git", "push", "-q", "origin", "--delete", p.HeadRefName).Run()
	}
	return 0
}

func issueList(s *State, args []string, stdout, stderr io.Writer) int {
	f, ok := parse(args, stderr, "state", "limit", "json", "search", "label")
	if !ok {
		return 1
	}
	var issues []Issue
	for i := len(s.Issues) - 1; i >= 0; i-- {
		if stateMatches(f.get("state"), s.Issues[i].State) {
			issues = append(issues, s.Issues[i])
		}
	}
	issues = issues[:limit(f, len(issues))]
	return project(issues, f.get("json"), []string{"number", "title", "body", "state", "url"}, stdout, stderr)
}

func issueCreate(s *State, args []string, stdout, stderr io.Writer) int {
	f, ok := parse(args, stderr, "title", "body", "body-file", "label")
	if !ok {
		return 1
	}
	body, err := readBody(f)
	if err != nil || f.get("title") == "" {
		fmt.Fprintln(stderr, "fake gh: issue create needs --title and a body", err)
		return 1
	}
	n := s.Next
	s.Next++
	is := Issue{Number: n, Title: f.get("title"), Body: body, State: "OPEN",
		URL: fmt.Sprintf("https://github.com/example/tollgate/issues/%d", n)}
	s.Issues = append(s.Issues, is)
	fmt.Fprintln(stdout, is.URL)
	return 0
}

// Repo is a git checkout whose origin is a local bare repository.
type Repo struct {
	Dir    string // the checkout, on branch main
	Remote string // the bare repository
}

// NewRepo creates a bare remote and a checkout with files committed and pushed to main.
// Git's global and system configuration are ignored for the rest of the test, so the
// developer's settings cannot change what the release programs do.
func NewRepo(t *testing.T, files map[string]string) *Repo {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gitconfig")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	r := &Repo{Dir: filepath.Join(dir, "work"), Remote: filepath.Join(dir, "remote.git")}
	Git(t, dir, "init", "-q", "--bare", "-b", "main", r.Remote)
	Git(t, dir, "clone", "-q", r.Remote, r.Dir)
	Git(t, r.Dir, "checkout", "-q", "-b", "main")
	for name, content := range files {
		r.Write(t, name, content)
	}
	Git(t, r.Dir, "add", "-A")
	Git(t, r.Dir, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "initial")
	Git(t, r.Dir, "push", "-q", "origin", "main")
	return r
}

// Write writes a file below the checkout.
func (r *Repo) Write(t *testing.T, name, content string) {
	t.Helper()
	path := filepath.Join(r.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Show returns a file at a revision of the remote ("branch:path").
func (r *Repo) Show(t *testing.T, rev string) string {
	t.Helper()
	return Git(t, r.Remote, "show", rev)
}

// Git runs git in dir and returns its output, failing the test on error.
func Git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
