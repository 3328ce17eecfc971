package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRatelimitConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, extra string) string {
		p := filepath.Join(dir, name)
		cfg := "providers:\n  - name: anthropic\n    type: anthropic\n    api_key: ${RATELIMIT_CONFIG_TEST_UNSET}\n" +
			"models:\n  - match: \"claude-*\"\n    provider: anthropic\n" + extra
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withDomain := write("domain.yaml", "ratelimit:\n  address: ratelimit:8081\n  domain: team-x\n")
	code, out, errs := run("ratelimit-config", "-config", withDomain)
	if code != 0 || !strings.HasSuffix(out, "\ndomain: \"team-x\"\n") || errs != "" {
		t.Errorf("exit %d, output %q, stderr %q", code, out, errs)
	}
	code, out, errs = run("ratelimit-config", "-config", write("none.yaml", ""))
	if code != 0 || !strings.HasSuffix(out, "\ndomain: \"tollgate\"\n") || !strings.Contains(errs, "no ratelimit section") {
		t.Errorf("without a section: exit %d, output %q, stderr %q", code, out, errs)
	}
	if code, _, errs := run("ratelimit-config"); code != 2 || !strings.Contains(errs, "-config is required") {
		t.Errorf("without -config: exit %d, %q", code, errs)
	}
	if code, _, errs := run("ratelimit-config", "-config", write("bad.yaml", "ratelimit:\n  address: nowhere\n")); code != 1 || !strings.Contains(errs, "bad address") {
		t.Errorf("invalid config: exit %d, %q", code, errs)
	}
	if _, out, _ := run("-h"); !strings.Contains(out, "  ratelimit-config print the envoyproxy/ratelimit config") {
		t.Errorf("usage:\n%s", out)
	}
}
