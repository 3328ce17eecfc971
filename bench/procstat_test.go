package bench

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and parentheses; utime 250, stime 50 ticks.
	stat := "4711 (tollgate (x) y) S 1 4711 4711 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 9 0 100 123456 789 18446744073709551615"
	got, err := parseStatCPU([]byte(stat))
	if err != nil || got != 3*time.Second {
		t.Errorf("parseStatCPU = %v, %v; want 3s", got, err)
	}
	for _, bad := range []string{"4711 no parens", "4711 (x) S 1 2 3", "4711 (x) S 1 2 3 4 5 6 7 8 9 u s"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) succeeded", bad)
		}
	}
}

func TestReadProcCPUOfThisProcess(t *testing.T) {
	before, err := readProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until this process has had 50 ms of CPU (on a busy machine that takes longer
	// than 50 ms), for at most 10 s.
	start, deadline := snapshot().cpu, time.Now().Add(10*time.Second)
	for snapshot().cpu-start < 50*time.Millisecond && time.Now().Before(deadline) {
	}
	after, err := readProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	d, src := cpuBetween(before, after)
	if d < 40*time.Millisecond || d > 10*time.Second || (src != "schedstat" && src != "stat") {
		t.Errorf("50 ms of spinning measured as %v (%s)", d, src)
	}
}

func TestCPUBetween(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name          string
		before, after procCPU
		want          time.Duration
		src           string
	}{
		{"threads agree with stat", procCPU{stat: 100 * ms, tasks: map[string]time.Duration{"1": 60 * ms, "2": 41 * ms}},
			procCPU{stat: 300 * ms, tasks: map[string]time.Duration{"1": 160 * ms, "2": 142 * ms}}, 201 * ms, "schedstat"},
		{"a thread born in between counts whole", procCPU{stat: 0, tasks: map[string]time.Duration{"1": 0}},
			procCPU{stat: 100 * ms, tasks: map[string]time.Duration{"1": 55 * ms, "3": 47 * ms}}, 102 * ms, "schedstat"},
		{"a thread that exited: stat is kept", procCPU{stat: 0, tasks: map[string]time.Duration{"1": 0, "2": 0}},
			procCPU{stat: 500 * ms, tasks: map[string]time.Duration{"1": 100 * ms}}, 500 * ms, "stat"},
		{"no schedstat", procCPU{stat: 10 * ms}, procCPU{stat: 70 * ms}, 60 * ms, "stat"},
	}
	for _, tt := range tests {
		if got, src := cpuBetween(tt.before, tt.after); got != tt.want || src != tt.src {
			t.Errorf("%s: %v (%s), want %v (%s)", tt.name, got, src, tt.want, tt.src)
		}
	}
}

func TestStatusKB(t *testing.T) {
	status := "Name:\ttollgate\nVmPeak:\t 1000 kB\nVmHWM:\t   38912 kB\nVmRSS:\t   30000 kB\n"
	if got, err := statusKB([]byte(status), "VmHWM:"); err != nil || got != 38912<<10 {
		t.Errorf("VmHWM = %d, %v", got, err)
	}
	if _, err := statusKB([]byte("Name:\tx\n"), "VmHWM:"); err == nil {
		t.Error("no VmHWM line: no error")
	}
	if rss, err := procPeakRSS(os.Getpid()); err != nil || rss <= 0 {
		t.Errorf("procPeakRSS(self) = %d, %v", rss, err)
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		bad  bool
	}{
		{"", nil, false},
		{"1", []int{1}, false},
		{"0-3", []int{0, 1, 2, 3}, false},
		{"0, 2-3,2", []int{0, 2, 3}, false},
		{"3-1", nil, true},
		{"x", nil, true},
		{"-1", nil, true},
		{"1,", nil, true},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.in)
		if (err != nil) != tt.bad || !slices.Equal(got, tt.want) {
			t.Errorf("parseCPUList(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestSummarise(t *testing.T) {
	ms := time.Millisecond
	run := func(server string, rep int, cpu, client time.Duration, rss int64, usage string) Result {
		r := Result{Scenario: "s", Server: server, Rep: rep, Process: true, Concurrency: 16, Completed: 10, Full: 10,
			CPUPerRequest: cpu, ClientCPUPerRequest: client, PeakRSS: rss, RPS: 100, LoadAvg: [2]float64{4, 6}}
		if usage == "exact" {
			r.Usage = UsageCheck{Reported: 10, Exact: true, Seen: Tokens{Input: 1}}
		}
		return r
	}
	results := []Result{
		run("floor", 0, 1*ms, 1*ms, 100, "none"), run("tollgate", 0, 2*ms, 1*ms, 150, "exact"),
		run("tollgate", 1, 3*ms, 1*ms, 120, "exact"), run("floor", 1, 2*ms, 1*ms, 100, "none"),
		run("floor", 2, 4*ms, 1*ms, 100, "none"), run("tollgate", 2, 5*ms, 1*ms, 130, "exact"),
	}
	s := summarise("s", results)
	// Paired ratios 2, 1.5, 1.25: the median is 1.5, although the medians' ratio is 3/2 too.
	if s.Reps != 3 || s.Concurrency != 16 || s.CPURatio != 1.5 || s.CPURatioMin != 1.25 || s.CPURatioMax != 2 {
		t.Errorf("summary %+v", s)
	}
	// With the client's 1 ms added to both sides: 3/2, 4/3, 6/5.
	if s.RSSRatio != 1.3 || s.LoadAvg != 5 || s.WithClientRatio != 4.0/3.0 {
		t.Errorf("rss ratio %v load %v with client %v", s.RSSRatio, s.LoadAvg, s.WithClientRatio)
	}
	if s.Floor.CPUPerRequest != 2*ms || s.Tollgate.CPUPerRequest != 3*ms || s.Floor.Completed != 30 ||
		s.Floor.Usage != "none" || s.Tollgate.Usage != "exact" || s.Tollgate.PeakRSS != 130 {
		t.Errorf("sides %+v %+v", s.Floor, s.Tollgate)
	}
	results[5].Usage = UsageCheck{Reported: 5}
	if u := summarise("s", results).Tollgate.Usage; u != "MISMATCH" {
		t.Errorf("one repetition off: usage %s", u)
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v", tt.in, got)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if !slices.Equal(in, []float64{3, 1, 2}) {
		t.Error("median sorted its argument")
	}
}

func TestPacing(t *testing.T) {
	// 50 chunks 5 ms apart: a request lasts at least 49 × 5 ms.
	const pace = 5 * time.Millisecond
	rep, err := Run(t.Context(), Options{Scenarios: []string{"chat-2k-paced"}, Concurrency: 2, Requests: 2, Duration: time.Minute,
		Pacing: pace, PacingSet: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Full != 2 || r.Concurrency != 2 {
		t.Fatalf("full %d c %d errors %q", r.Full, r.Concurrency, r.ErrorSamples)
	}
	if whole := r.Phases[phaseWhole]; whole.P50 < 49*pace || whole.Max > 5*time.Second {
		t.Errorf("whole request p50 %v max %v, want at least %v", whole.P50, whole.Max, 49*pace)
	}
	if !strings.Contains(strings.Join(DefaultScenarios, ","), "chat-2k-paced") {
		t.Error("the paced scenario is not in the default set")
	}
}
