package clients

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A client under test: its key in versions.json, npm package and executable.
type client struct {
	key, pkg, bin string
	run           func(t *testing.T, c installed)
}

// installed is a client found in TOLLGATE_CLIENTS_DIR.
type installed struct {
	client
	Version string // from the installed package.json
	Path    string // the executable
}

var clients = []client{
	{key: "claude-code", pkg: "@anthropic-ai/claude-code", bin: "claude", run: testClaudeCode},
	{key: "codex", pkg: "@openai/codex", bin: "codex", run: testCodex},
	{key: "gemini-cli", pkg: "@google/gemini-cli", bin: "gemini", run: testGeminiCLI},
}

// TestRealClients runs each real client installed by install.sh in TOLLGATE_CLIENTS_DIR
// headless against tollgate behind the Envoy stand-in, with the generated mock provider
// upstream. Without the directory it skips (and says so on stderr), unless
// TOLLGATE_REQUIRE_CLIENTS=1.
func TestRealClients(t *testing.T) {
	dir := os.Getenv("TOLLGATE_CLIENTS_DIR")
	require := os.Getenv("TOLLGATE_REQUIRE_CLIENTS") == "1"
	if dir == "" {
		unavailable(t, require, "TOLLGATE_CLIENTS_DIR is not set (install the clients with e2e/clients/install.sh DIR, then TOLLGATE_CLIENTS_DIR=DIR)")
	}
	for _, c := range clients {
		t.Run(c.key, func(t *testing.T) {
			in, err := find(dir, c)
			if err != nil {
				unavailable(t, require, err.Error())
			}
			t.Logf("%s %s (%s)", c.pkg, in.Version, in.Path)
			c.run(t, in)
		})
	}
}

// unavailable skips the test, with a line on stderr that shows even without -v, or fails
// it when the clients are required.
func unavailable(t *testing.T, require bool, why string) {
	t.Helper()
	if require {
		t.Fatalf("TOLLGATE_REQUIRE_CLIENTS=1 but %s", why)
	}
	fmt.Fprintf(os.Stderr, "%s: SKIP real clients not run: %s\n", t.Name(), why)
	t.Skip(why)
}

// find locates c in the npm prefix dir.
func find(dir string, c client) (installed, error) {
	in := installed{client: c, Path: filepath.Join(dir, "node_modules", ".bin", c.bin)}
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(c.pkg), "package.json"))
	if err != nil {
		return in, fmt.Errorf("%s is not installed in %s: %v", c.pkg, dir, err)
	}
	var pj struct{ Version string }
	if err := json.Unmarshal(b, &pj); err != nil || pj.Version == "" {
		return in, fmt.Errorf("%s: no version in its package.json", c.pkg)
	}
	in.Version = pj.Version
	if _, err := os.Stat(in.Path); err != nil {
		return in, fmt.Errorf("%s is installed but %s is missing", c.pkg, in.Path)
	}
	return in, nil
}

// logRequests logs every request the client sent, with tollgate's answer.
func logRequests(t *testing.T, rs []recorded) {
	t.Helper()
	for _, r := range rs {
		t.Logf("client sent %s %s → %d (%d bytes)", r.Method, r.Path+query(r.Query), r.Status, len(r.Response))
	}
}

func query(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// firstLine is the first line of s, for messages.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
