package relkit

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// GitHub drives the gh CLI (authenticated by GH_TOKEN in Actions) in a repository checkout.
type GitHub struct {
	Runner
	Bin string // default "gh"
}

func (g GitHub) bin() string {
	if g.Bin == "" {
		return "gh"
	}
	return g.Bin
}

// PR is a pull request as `gh pr list --json` reports it. State is OPEN, CLOSED or MERGED.
type PR struct {
	Number      int    `json:"number"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	HeadRefName string `json:"headRefName"`
	State       string `json:"state"`
	URL         string `json:"url"`
}

// Issue is an issue as `gh issue list --json` reports it. State is OPEN or CLOSED.
type Issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	State  string `json:"state"`
	URL    string `json:"url"`
}

// listLimit bounds the lists read; older items do not matter to the release programs.
const listLimit = "500"

// PRs lists the repository's pull requests in every state, newest first.
func (g GitHub) PRs() ([]PR, error) {
	out, err := g.Output(g.bin(), "pr", "list", "--state", "all", "--limit", listLimit,
		"--json", "number,title,body,headRefName,state,url")
	if err != nil {
		return nil, err
	}
	var prs []PR
	if err := json.Unmarshal(out, &prs); err != nil {
		return nil, fmt.Errorf("gh pr list: %w", err)
	}
	return prs, nil
}

// Issues lists the repository's issues in every state, newest first.
func (g GitHub) Issues() ([]Issue, error) {
	out, err := g.Output(g.bin(), "issue", "list", "--state", "all", "--limit", listLimit,
		"--json", "number,title,state,url")
	if err != nil {
		return nil, err
	}
	var issues []Issue
	if err := json.Unmarshal(out, &issues); err != nil {
		return nil, fmt.Errorf("gh issue list: %w", err)
	}
	return issues, nil
}

// bodyFile writes a body to a temporary file for --body-file (bodies can exceed what a
// command line holds).
func bodyFile(body string) (string, func(), error) {
	f, err := os.CreateTemp("", "tollgate-release-body-*.md")
	if err != nil {
		return "", nil, err
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// CreatePR opens a pull request from head into base and returns its URL.
func (g GitHub) CreatePR(base, head, title, body string) (string, error) {
	path, done, err := bodyFile(body)
	if err != nil {
		return "", err
	}
	defer done()
	out, err := g.Output(g.bin(), "pr", "create", "--base", base, "--head", head, "--title", title, "--body-file", path)
	if err != nil {
		return "", err
	}
	return lastLine(out), nil
}

// EditPR replaces a pull request's title and body.
func (g GitHub) EditPR(number int, title, body string) error {
	path, done, err := bodyFile(body)
	if err != nil {
		return err
	}
	defer done()
	return g.Run(g.bin(), "pr", "edit", strconv.Itoa(number), "--title", title, "--body-file", path)
}

// ClosePR closes a pull request with a comment and deletes its branch.
func (g GitHub) ClosePR(number int, comment string) error {
	return g.Run(g.bin(), "pr", "close", strconv.Itoa(number), "--comment", comment, "--delete-branch")
}

// CreateIssue opens an issue and returns its URL.
func (g GitHub) CreateIssue(title, body string) (string, error) {
	path, done, err := bodyFile(body)
	if err != nil {
		return "", err
	}
	defer done()
	out, err := g.Output(g.bin(), "issue", "create", "--title", title, "--body-file", path)
	if err != nil {
		return "", err
	}
	return lastLine(out), nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// Git drives git in a checkout.
type Git struct{ Runner }

// botIdentity is used for commits when the checkout has no user configured (as in Actions).
var botIdentity = []string{
	"GIT_AUTHOR_NAME=github-actions[bot]", "GIT_AUTHOR_EMAIL=41898282+github-actions[bot]@users.noreply.github.com",
	"GIT_COMMITTER_NAME=github-actions[bot]", "GIT_COMMITTER_EMAIL=41898282+github-actions[bot]@users.noreply.github.com",
}

// Out runs git and returns its trimmed stdout.
func (g Git) Out(args ...string) (string, error) {
	out, err := g.Output("git", args...)
	return strings.TrimSpace(string(out)), err
}

// Branch returns the current branch name ("HEAD" when detached).
func (g Git) Branch() (string, error) { return g.Out("rev-parse", "--abbrev-ref", "HEAD") }

// Commit commits paths (and nothing else that may be staged) with msg, as the configured
// user or else as github-actions[bot].
func (g Git) Commit(msg string, paths ...string) error {
	if err := g.Run("git", append([]string{"add", "--"}, paths...)...); err != nil {
		return err
	}
	r := g.Runner
	if email, _ := g.Out("config", "user.email"); email == "" {
		r.Env = append(append([]string(nil), r.Env...), botIdentity...)
	}
	return r.Run("git", append([]string{"commit", "-q", "-m", msg, "--"}, paths...)...)
}

// PushBranch force-pushes HEAD to branch on origin: release branches are rewritten by each run.
func (g Git) PushBranch(branch string) error {
	return g.Run("git", "push", "--force", "origin", "HEAD:refs/heads/"+branch)
}
