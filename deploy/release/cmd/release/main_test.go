package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/deploy/release/internal/fakes"
)

func TestMain(m *testing.M) {
	fakes.Main() // when started as the fake gh, act as it and exit
	os.Exit(m.Run())
}

// run runs the release program in-process and returns its exit status and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	t.Logf("release %s → %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// calls returns the fake gh's calls that start with prefix ("pr create").
func calls(st fakes.State, prefix string) [][]string {
	var out [][]string
	for _, c := range st.Calls {
		if strings.HasPrefix(strings.Join(c, " "), prefix) {
			out = append(out, c)
		}
	}
	return out
}

func TestUsage(t *testing.T) {
	if code, _, stderr := run(t); code != 2 || !strings.Contains(stderr, "models-pr") {
		t.Errorf("no command: %d %q", code, stderr)
	}
	if code, _, _ := run(t, "nope"); code != 2 {
		t.Errorf("unknown command: %d", code)
	}
	for _, args := range [][]string{
		{"models-pr"},
		{"models-pr", "-config", "c", "-values", "v", "-window", "7h"},
		{"promote", "-commit", "abc", "-image", "ghcr.io/a/b:1"},
		{"promote", "-commit", strings.Repeat("a", 40), "-image", "ghcr.io/a/b"},
		{"canary-report", "-latest", "x"},
		{"render"},
		{"reqdiff", "-old", "a"},
		{"render", "-out", "x", "extra"},
	} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func TestReqdiffCommand(t *testing.T) {
	code, out, _ := run(t, "reqdiff", "-old", "../../reqdiff/testdata/old.json", "-new", "../../reqdiff/testdata/new.json", "-client", "claude-code")
	if code != 0 || !strings.Contains(out, "### claude-code 2.1.332 → 2.2.0") || strings.Contains(out, "codex") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, _, stderr := run(t, "reqdiff", "-old", "testdata/models.json", "-new", "../../reqdiff/testdata/new.json")
	if code != 1 || !strings.Contains(stderr, "not a JSON list of request shapes") {
		t.Errorf("bad file: exit %d %q", code, stderr)
	}
}
