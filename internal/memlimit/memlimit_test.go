package memlimit

import (
	"math"
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

// TestConfigure: without GOMEMLIMIT the runtime gets 90% of the container's limit; a
// GOMEMLIMIT at or above the container's limit (the Helm chart sets it to the limit) is
// lowered to the same 90%; a lower GOMEMLIMIT is kept; nothing is set without a limit.
func TestConfigure(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const container = 1000 << 20
	for _, tc := range []struct {
		name     string
		env      int64 // the runtime's limit as GOMEMLIMIT left it; 0: GOMEMLIMIT unset
		hasLimit bool
		want     int64
	}{
		{"cgroup only", 0, true, 900 << 20},
		{"GOMEMLIMIT = the container's limit", container, true, 900 << 20},
		{"GOMEMLIMIT above it", 2 * container, true, 900 << 20},
		{"GOMEMLIMIT below 90%", 500 << 20, true, 500 << 20},
		{"GOMEMLIMIT, no container limit", 500 << 20, false, 500 << 20},
		{"neither", 0, false, math.MaxInt64},
	} {
		debug.SetMemoryLimit(math.MaxInt64)
		if tc.env > 0 {
			debug.SetMemoryLimit(tc.env)
		}
		got, source := configure(tc.env > 0, container, tc.hasLimit)
		if got != tc.want || debug.SetMemoryLimit(-1) != tc.want {
			t.Errorf("%s: limit %d (runtime %d, %s), want %d", tc.name, got, debug.SetMemoryLimit(-1), source, tc.want)
		}
	}
}
