package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/bench"
)

func TestCutConfig(t *testing.T) {
	tests := []struct {
		args     []string
		path     string
		rest     []string
		wantErrs bool
	}{
		{[]string{"-c", "4"}, "", []string{"-c", "4"}, false},
		{[]string{"-config", "t.yaml", "-c", "4"}, "t.yaml", []string{"-c", "4"}, false},
		{[]string{"-n", "5", "--config=t.yaml"}, "t.yaml", []string{"-n", "5"}, false},
		{[]string{"-json", "-config"}, "", nil, true},
		{[]string{"-key", "config"}, "", []string{"-key", "config"}, false},
	}
	for _, tt := range tests {
		path, rest, err := cutConfig(tt.args)
		if (err != nil) != tt.wantErrs || path != tt.path || !slices.Equal(rest, tt.rest) {
			t.Errorf("cutConfig(%q) = %q, %q, %v; want %q, %q, error %v", tt.args, path, rest, err, tt.path, tt.rest, tt.wantErrs)
		}
	}
}

func TestRunWithConfigInProcess(t *testing.T) {
	// The bench config builds a tollgate that routes every scenario's model, accepts the
	// default key, and reports each stream's usage exactly.
	var stdout, stderr bytes.Buffer
	args := []string{"-config", "../bench/testdata/tollgate-bench.yaml", "-c", "2", "-n", "4", "-no-floor", "-json", "-inprocess", "-pacing", "1ms"}
	if err := runBench(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v (stderr: %s)", err, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(bench.DefaultScenarios) {
		t.Fatalf("results: %+v", rep.Results)
	}
	for _, r := range rep.Results {
		if r.Server != "tollgate" || r.Full != 4 || r.Errors != 0 || !r.Usage.Exact {
			t.Errorf("%s: server %s full %d errors %d %q usage %+v", r.Scenario, r.Server, r.Full, r.Errors, r.ErrorSamples, r.Usage)
		}
	}
}

func TestBenchServersAsProcesses(t *testing.T) {
	// `tollgate serve` and `tollgate bench-floor`, started from this executable (the test
	// binary standing in for tollgate: main_test.go), each its own process, and the same
	// executable again as the -baseline build; profiles of each.
	t.Setenv("TOLLGATE_CLI_TEST_MAIN", "1")
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-config", "../bench/testdata/tollgate-bench.yaml", "-scenarios", "chat-2k", "-c", "2", "-n", "4",
		"-reps", "1", "-json", "-profile", dir, "-baseline", os.Args[0]}
	if err := runBench(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v (stderr: %s)", err, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "process" || len(rep.Results) != 3 || len(rep.Summaries) != 1 {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Results {
		if !r.Process || r.Full != 4 || r.Errors != 0 || r.ServerCPU <= 0 || r.PeakRSS <= 0 {
			t.Errorf("%s: process %v full %d errors %d %q server CPU %v peak RSS %d", r.Server, r.Process, r.Full, r.Errors,
				r.ErrorSamples, r.ServerCPU, r.PeakRSS)
		}
		want := map[string]string{"floor": "none", "tollgate": "exact", "baseline": "exact"}[r.Server]
		if r.Usage.Status() != want {
			t.Errorf("%s: usage %s (%+v), want %s", r.Server, r.Usage.Status(), r.Usage, want)
		}
		for _, kind := range []string{"cpu", "allocs"} {
			fi, err := os.Stat(filepath.Join(dir, "chat-2k."+r.Server+".0."+kind+".pprof"))
			if err != nil || fi.Size() == 0 {
				t.Errorf("%s %s profile: %v", r.Server, kind, err)
			}
		}
	}
	if s := rep.Summaries[0]; s.CPURatio <= 0 || s.Tollgate.Usage != "exact" || s.VsBaseline <= 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestBenchFloorIsHidden(t *testing.T) {
	var out bytes.Buffer
	printUsage(&out)
	if strings.Contains(out.String(), "bench-floor") || !strings.Contains(out.String(), "bench ") {
		t.Errorf("usage:\n%s", out.String())
	}
}

// TestBenchWrongKey: a key the config does not know gets every request refused with 401;
// bench then fails (exit 1) and says why.
func TestBenchWrongKey(t *testing.T) {
	t.Setenv("TOLLGATE_CLI_TEST_MAIN", "1") // the servers are this executable (main_test.go)
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), []string{"bench", "-config", "../bench/testdata/tollgate-bench.yaml", "-scenarios", "chat-2k",
		"-c", "2", "-n", "4", "-warmup", "0", "-no-floor", "-key", "not-a-key"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "tollgate bench: scenario chat-2k, server tollgate: no request went through: 4 refused at once (401 ×4)") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
