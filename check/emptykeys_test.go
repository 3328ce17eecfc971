package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyKeysWarnLikeNoKeys: `keys: []` opens the gateway exactly as an absent `keys`
// does, so check warns about both alike (an error with -strict).
func TestEmptyKeysWarnLikeNoKeys(t *testing.T) {
	const base = "listen: \"127.0.0.1:50051\"\nproviders: [{name: a, type: anthropic, api_key: k}]\nmodels: [{match: \"claude-*\", provider: a}]\n"
	for _, extra := range []string{"", "keys: []\n", "keys:\n"} {
		path := filepath.Join(t.TempDir(), "tollgate.yaml")
		if err := os.WriteFile(path, []byte(base+extra), 0o600); err != nil {
			t.Fatal(err)
		}
		r := Run(Options{Config: path, Lookup: env(nil)})
		if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "no keys configured") {
			t.Errorf("%q: warnings %q, want the open-gateway warning", extra, r.Warnings)
		}
		if s := Run(Options{Config: path, Lookup: env(nil), Strict: true}); s.OK {
			t.Errorf("%q: -strict passes an open gateway", extra)
		}
	}
}
