package cli

import (
	"bytes"
	"encoding/json"
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

func TestRunWithConfig(t *testing.T) {
	// The bench config builds a tollgate that routes every scenario's model, accepts the
	// default key, and reports each stream's usage exactly.
	var stdout, stderr bytes.Buffer
	args := []string{"-config", "../bench/testdata/tollgate-bench.yaml", "-c", "2", "-n", "4", "-no-floor", "-json"}
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

// TestBenchWrongKey: a key the config does not know gets every request refused with 401;
// bench then fails (exit 1) and says why.
func TestBenchWrongKey(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), []string{"bench", "-config", "../bench/testdata/tollgate-bench.yaml", "-scenarios", "chat-2k",
		"-c", "2", "-n", "4", "-warmup", "0", "-no-floor", "-key", "not-a-key"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "tollgate bench: scenario chat-2k, server tollgate: no request went through: 4 refused at once (401 ×4)") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
