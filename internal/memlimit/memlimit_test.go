package memlimit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestContainerLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		content string
		want    int64
		ok      bool
	}{
		{"2147483648\n", 2 << 30, true},
		{"max\n", 0, false},
		{"9223372036854771712\n", 0, false}, // cgroup v1's "unlimited"
		{"garbage", 0, false},
	} {
		got, ok := containerLimit([]string{filepath.Join(dir, "missing"), write("memory.max", tc.content)})
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %d %v, want %d %v", tc.content, got, ok, tc.want, tc.ok)
		}
	}
}

func TestConfigureGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	if p, src := ConfigureGC(); p != GCPercent || src != "default" || debug.SetGCPercent(GCPercent) != GCPercent {
		t.Errorf("without GOGC: %d %s", p, src)
	}
	// GOGC was read by the runtime at start; here it is set as the runtime would have.
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	if p, src := ConfigureGC(); p != 150 || src != "GOGC" || debug.SetGCPercent(150) != 150 {
		t.Errorf("with GOGC=150: %d %s", p, src)
	}
}
