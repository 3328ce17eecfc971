package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate/tollgate/cli"
)

const (
	workflowsDir = "../../workflows"
	repoRoot     = "../../../.."
	releaseDoc   = "../../README.md"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowsDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("workflows %v: want pr-check, nightly-models, release, production, client-canary", files)
	}
	return files
}

// TestWorkflowsLint runs the tests of deploy/release/workflowlint, a module of its own
// (see its go.mod), which lint every workflow with actionlint's Go API. Running them from
// here makes `go test ./...` at the root cover them.
func TestWorkflowsLint(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "test", "-count=1", "./...")
	cmd.Dir = "../../workflowlint"
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in deploy/release/workflowlint: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// workflow is the part of a workflow file these tests read.
type workflow struct {
	Permissions any `yaml:"permissions"`
	Jobs        map[string]struct {
		TimeoutMinutes int `yaml:"timeout-minutes"`
		Steps          []struct {
			Run string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func loadWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	var w workflow
	if err := yaml.Unmarshal([]byte(readFile(t, path)), &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

// runScripts returns every `run:` script of a workflow, with backslash line continuations
// joined.
func runScripts(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, j := range loadWorkflow(t, path).Jobs {
		for _, s := range j.Steps {
			if s.Run != "" {
				out = append(out, strings.ReplaceAll(s.Run, "\\\n", " "))
			}
		}
	}
	return out
}

// invocations finds the command lines that call prog ("release" or "tollgate") in a
// script: the subcommand and the flags given to it.
func invocations(script, prog string) [][]string {
	var out [][]string
	re := regexp.MustCompile(`(?m)(?:^\s*|[;&|]\s*)` + prog + `\s+([a-z][a-z-]*)([^\n|;&]*)`)
	for _, m := range re.FindAllStringSubmatch(script, -1) {
		cmd := []string{m[1]}
		for _, f := range regexp.MustCompile(`(?:^|\s)(-[a-z][a-z-]*)`).FindAllStringSubmatch(m[2], -1) {
			cmd = append(cmd, f[1])
		}
		out = append(out, cmd)
	}
	return out
}

// usageFlags returns the flags a command's -h lists.
func usageFlags(usage string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(-[a-z][a-z-]*)`).FindAllStringSubmatch(usage, -1) {
		out[m[1]] = true
	}
	return out
}

// TestWorkflowCommandsExist: every `release X -flag` and `tollgate X -flag` the workflows
// run is a command with that flag, as the programs' own -h lists them. (`tollgate models`
// is run by release models-pr, whose tests pin its arguments.)
func TestWorkflowCommandsExist(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range workflowFiles(t) {
		for _, script := range runScripts(t, path) {
			for _, inv := range invocations(script, "release") {
				seen["release "+inv[0]] = true
				if commands[inv[0]].run == nil {
					t.Errorf("%s: release %s: no such command", filepath.Base(path), inv[0])
					continue
				}
				var stderr bytes.Buffer
				Main([]string{inv[0], "-h"}, io.Discard, &stderr)
				flags := usageFlags(stderr.String())
				for _, f := range inv[1:] {
					if !flags[f] {
						t.Errorf("%s: release %s has no flag %s", filepath.Base(path), inv[0], f)
					}
				}
			}
			for _, inv := range invocations(script, "tollgate") {
				seen["tollgate "+inv[0]] = true
				var stderr bytes.Buffer
				cli.Main(context.Background(), []string{inv[0], "-h"}, io.Discard, &stderr)
				if strings.Contains(stderr.String(), "unknown command") {
					t.Errorf("%s: tollgate %s: no such command", filepath.Base(path), inv[0])
					continue
				}
				flags := usageFlags(stderr.String())
				for _, f := range inv[1:] {
					if !flags[f] {
						t.Errorf("%s: tollgate %s has no flag %s", filepath.Base(path), inv[0], f)
					}
				}
			}
		}
	}
	want := []string{"release render", "release models-pr", "release promote", "release canary-versions",
		"release canary-report", "tollgate check", "tollgate smoke"}
	if got := sortedKeysOf(seen); strings.Join(got, ",") != strings.Join(sortedKeysOf(setOf(want)), ",") {
		t.Errorf("the workflows run %v, want %v", got, sortedKeysOf(setOf(want)))
	}
}

func setOf(items []string) map[string]bool {
	out := map[string]bool{}
	for _, i := range items {
		out[i] = true
	}
	return out
}

func sortedKeysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestWorkflowPathsExist: the repository paths the workflows name exist (e2e/clients is
// the real-client suite being written in parallel).
func TestWorkflowPathsExist(t *testing.T) {
	pathRE := regexp.MustCompile(`(?:\./)?\b((?:deploy|charts|cmd|e2e)/[A-Za-z0-9_./$-]*[A-Za-z0-9_])`)
	for _, path := range workflowFiles(t) {
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pathRE.FindAllStringSubmatch(string(content), -1) {
			p := m[1]
			if p == "e2e/clients" {
				continue
			}
			for _, env := range []string{"staging", "production"} {
				rel := strings.ReplaceAll(p, "$ENVIRONMENT", env)
				if _, err := os.Stat(filepath.Join(repoRoot, rel)); err != nil {
					if rel == recordRel || rel == baselineRel {
						continue // written by the pipeline itself
					}
					t.Errorf("%s names %s, which does not exist", filepath.Base(path), rel)
				}
			}
		}
	}
}

// TestWorkflowSettingsDocumented: every secret and variable the workflows read is
// explained in deploy/release/README.md, every job has a timeout, and every workflow sets
// its token's permissions.
func TestWorkflowSettingsDocumented(t *testing.T) {
	doc := readFile(t, releaseDoc)
	ref := regexp.MustCompile(`\b(secrets|vars)\.([A-Z][A-Z0-9_]*)`)
	for _, path := range workflowFiles(t) {
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(content), -1) {
			if m[2] == "GITHUB_TOKEN" {
				continue
			}
			if !strings.Contains(doc, "`"+m[2]+"`") {
				t.Errorf("%s reads %s.%s, which %s does not explain", filepath.Base(path), m[1], m[2], releaseDoc)
			}
		}
		w := loadWorkflow(t, path)
		if w.Permissions == nil {
			t.Errorf("%s: no permissions block", filepath.Base(path))
		}
		for id, j := range w.Jobs {
			if j.TimeoutMinutes == 0 {
				t.Errorf("%s: job %s has no timeout-minutes", filepath.Base(path), id)
			}
		}
	}
}
