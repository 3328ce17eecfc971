package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
)

// TestKeygen: the printed key hashes to the printed key_sha256, and the printed entry,
// pasted under keys:, is a config tollgate accepts and that authenticates the key.
func TestKeygen(t *testing.T) {
	code, out, _ := run("keygen", "alice", "platform")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	key := regexp.MustCompile(`#   (tg-[0-9a-f]{64})\n`).FindStringSubmatch(out)
	if key == nil {
		t.Fatalf("no key in:\n%s", out)
	}
	sum := sha256.Sum256([]byte(key[1]))
	if !strings.Contains(out, hex.EncodeToString(sum[:])) {
		t.Fatalf("entry does not hold the key's SHA-256:\n%s", out)
	}
	entry := out[strings.Index(out, "  - name:"):]
	cfg := "providers:\n  - name: openai\n    type: openai\n    api_key: x\nmodels:\n  - match: gpt-*\n    provider: openai\nkeys:\n" + entry
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.LoadFile(path); err != nil {
		t.Fatalf("the printed entry does not load: %v\n%s", err, cfg)
	}
	if _, out2, _ := run("keygen", "alice", "platform"); out2 == out {
		t.Fatal("two runs printed the same key")
	}
	if code, _, _ := run("keygen", "alice"); code != 2 {
		t.Fatalf("one argument: exit %d, want 2", code)
	}
}

func TestVersionAndHelpFlags(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		if code, out, _ := run(args...); code != 0 || !strings.HasPrefix(out, "tollgate ") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		if code, out, _ := run(args...); code != 0 || !strings.Contains(out, "keygen") {
			t.Errorf("%v: exit %d, usage on stdout %q", args, code, out)
		}
	}
	for _, cmd := range []string{"serve", "check", "smoke", "prices", "mock", "keygen", "version"} {
		if code, _, errOut := run(cmd, "-h"); code != 0 || !strings.Contains(errOut, "usage") && !strings.Contains(errOut, "Usage") {
			t.Errorf("%s -h: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestPricesNeedsNoSecrets: `prices MODEL -config F` takes flags after the models and
// prices through the config's rules without any provider secret being set.
func TestPricesNeedsNoSecrets(t *testing.T) {
	cfg := "providers:\n  - name: anthropic\n    type: anthropic\n    api_key: ${TOLLGATE_TEST_NEVER_SET_KEY}\nmodels:\n  - match: claude-*\n    provider: anthropic\n"
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("prices", "claude-opus-4-6", "-config", path)
	if code != 0 || !strings.Contains(out, "claude-opus-4-6") || !strings.Contains(out, "fast mode") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
