package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

func TestMainRejectsBadFlagsAtOnce(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-c", "-1", "-n", "0", "-d", "0s", "-scenarios", "nope", "-target", "nohost"},
			[]string{"concurrency -1", "requests 0", "duration 0s", "unknown scenario nope", `target "nohost"`}},
		{[]string{"-reps", "0", "-server-cpus", "2-1", "-client-cpus", "x", "-pacing", "-1s", "-tollgate-env", "GOGC=200"},
			[]string{"-reps 0", "-server-cpus", "-client-cpus", "pacing -1s", "need the servers as processes"}},
		{[]string{"-tollgate-env", "GOGC"}, []string{`"GOGC" is not KEY=VALUE`}},
		{[]string{"-target", "127.0.0.1:http", "-warmup", "-1"}, []string{"bad port", "warmup -1"}},
		{[]string{"-scenarios", ","}, []string{"-scenarios: empty"}},
		{[]string{"extra"}, []string{"unexpected arguments: extra"}},
		{[]string{"-no-floor", "-n", "1"}, []string{"nothing to measure"}},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := Main(context.Background(), tt.args, &stdout, &stderr, nil)
		if err == nil {
			t.Errorf("Main(%q) succeeded", tt.args)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Main(%q) = %v, want it to mention %q", tt.args, err, w)
			}
		}
	}
}

func TestMainJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fake := &fakeServer{}
	err := Main(context.Background(), []string{"-scenarios", "chat-2k", "-c", "2", "-n", "6", "-warmup", "0", "-json", "-key", "k"}, &stdout, &stderr, fake.Register)
	if err != nil {
		t.Fatalf("Main: %v (stderr %s)", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, stdout.String())
	}
	if rep.Concurrency != 2 || rep.Requests != 6 || len(rep.Results) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Scenario != "chat-2k" || r.Full != 6 || r.Errors != 0 || len(r.Phases) != numPhases {
			t.Errorf("result %+v", r)
		}
	}
	if fake.streams.Load() != 6 {
		t.Errorf("in-process server saw %d streams, want 6", fake.streams.Load())
	}
}

// TestMainFailsWhenEveryRequestIsRefused: a run in which the server answered every
// request at once (here 401, as tollgate does for a key it does not know) prints its
// table and then fails, naming the scenario, the server, the statuses and the key.
func TestMainFailsWhenEveryRequestIsRefused(t *testing.T) {
	var stdout, stderr bytes.Buffer
	fake := &fakeServer{reply: on[*extprocv3.ProcessingRequest_RequestHeaders](immediate401, nil)}
	err := Main(context.Background(), []string{"-scenarios", "chat-2k", "-c", "2", "-n", "6", "-warmup", "0", "-key", "wrong"}, &stdout, &stderr, fake.Register)
	if err == nil {
		t.Fatalf("Main succeeded:\n%s", stdout.String())
	}
	for _, want := range []string{"scenario chat-2k, server tollgate: no request went through: 6 refused at once (401 ×6)", `the key "wrong"`, "-key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "server floor") {
		t.Errorf("the floor let every request through: %v", err)
	}
	if !strings.Contains(stdout.String(), "chat-2k") {
		t.Errorf("no table before the error:\n%s", stdout.String())
	}
}

func TestReportErrOnlyWhenNothingWentThrough(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		fail bool
	}{
		{Result{Full: 1, Immediate: 99, ImmediateStatus: map[int]int64{401: 99}}, false},
		{Result{Full: 0, Immediate: 0, Errors: 0}, false},
		{Result{Immediate: 2, ImmediateStatus: map[int]int64{404: 2}}, true},
		{Result{Errors: 3, ErrorSamples: []string{"boom"}}, true},
	} {
		if err := (Report{Results: []Result{tc.r}}).Err("k"); (err != nil) != tc.fail {
			t.Errorf("%+v: %v", tc.r, err)
		}
	}
}
