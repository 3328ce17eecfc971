package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// The test binary doubles as the server processes RunProcesses starts: with
// BENCH_TEST_SERVER set it serves instead of testing (testServerMain).
func TestMain(m *testing.M) {
	if kind := os.Getenv("BENCH_TEST_SERVER"); kind != "" {
		if err := testServerMain(kind, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testServerMain serves as `tollgate bench-floor` does: "floor" is the floor, "usage"
// the floor reporting the claude-200k scenario's usage at the end of each stream (as
// tollgate would), "silent" exits at once with a message.
func testServerMain(kind string, args []string) error {
	fs := flag.NewFlagSet(kind, flag.ContinueOnError)
	listen := fs.String("listen", "", "")
	cpu := fs.String("cpuprofile", "", "")
	mem := fs.String("memprofile", "", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if kind == "silent" {
		return errors.New("no config, nothing to serve")
	}
	// -tollgate-env reaches tollgate's process only.
	if mark := os.Getenv("BENCH_TEST_MARK"); mark != "" && kind != "usage" { // the floor's environment is its own
		return fmt.Errorf("server %s has BENCH_TEST_MARK=%q", kind, mark)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessage))
	srv := &fakeServer{}
	if kind == "usage" {
		sc, err := NewScenario("claude-200k")
		if err != nil {
			return err
		}
		var t testing.T // usageReply fails a test only on a marshalling error
		srv.reply = usageReply(&t, MetadataNamespace, sc.Usage, func() bool { return true })
	}
	srv.Register(g)
	go func() { _ = g.Serve(lis) }()
	<-ctx.Done()
	g.Stop()
	if *mem != "" {
		return os.WriteFile(*mem, []byte("allocs"), 0o644)
	}
	return nil
}

// testSpawn starts this test binary as a server of the given kind.
func testSpawn(kind string) Spawn {
	return func(listen string, extra ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], append([]string{"-listen", listen}, extra...)...)
		cmd.Env = append(os.Environ(), "BENCH_TEST_SERVER="+kind)
		return cmd
	}
}

func TestRunProcesses(t *testing.T) {
	const c, n, reps = 2, 6, 3
	dir := t.TempDir()
	var out strings.Builder
	rep, err := RunProcesses(t.Context(), Options{Scenarios: []string{"claude-200k"}, Concurrency: c, Requests: n,
		Duration: time.Minute, Reps: reps, ProfileDir: dir, TollgateEnv: []string{"BENCH_TEST_MARK=tollgate"}},
		Spawners{Floor: testSpawn("floor"), Tollgate: testSpawn("usage")}, &out)
	if err != nil {
		t.Fatalf("RunProcesses: %v", err)
	}
	if rep.Mode != "process" || rep.Reps != reps || len(rep.Results) != 2*reps || len(rep.Summaries) != 1 {
		t.Fatalf("report: mode %s reps %d results %d summaries %d", rep.Mode, rep.Reps, len(rep.Results), len(rep.Summaries))
	}
	// The servers alternate: floor first, then tollgate first, ...
	var order []string
	for _, r := range rep.Results {
		order = append(order, fmt.Sprintf("%d:%s", r.Rep, r.Server))
	}
	if want := []string{"0:floor", "0:tollgate", "1:tollgate", "1:floor", "2:floor", "2:tollgate"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	for _, r := range rep.Results {
		name := fmt.Sprintf("%s/%d", r.Server, r.Rep)
		if !r.Process || r.InProcess || r.Full != n || r.Errors != 0 || r.Concurrency != c {
			t.Errorf("%s: process %v full %d errors %d %q c %d", name, r.Process, r.Full, r.Errors, r.ErrorSamples, r.Concurrency)
		}
		// The server's own CPU and memory, read from /proc.
		if r.ServerCPU <= 0 || r.CPUPerRequest != r.ServerCPU/time.Duration(r.Completed) || r.ClientCPUPerRequest <= 0 ||
			r.PeakRSS <= 0 || (r.CPUSource != "schedstat" && r.CPUSource != "stat") {
			t.Errorf("%s: server CPU %v, per request %v, client %v, source %q, peak RSS %d", name, r.ServerCPU, r.CPUPerRequest,
				r.ClientCPUPerRequest, r.CPUSource, r.PeakRSS)
		}
		if want := map[string]string{"floor": "none", "tollgate": "exact"}[r.Server]; r.Usage.Status() != want {
			t.Errorf("%s: usage %s, want %s", name, r.Usage.Status(), want)
		}
		if r.LoadAvg[0] < 0 {
			t.Errorf("%s: no load average", name)
		}
		for _, ext := range []string{"cpu", "allocs"} {
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("claude-200k.%s.%d.%s.pprof", r.Server, r.Rep, ext))); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	s := rep.Summaries[0]
	if s.Scenario != "claude-200k" || s.Reps != reps || s.Concurrency != c || s.Floor == nil || s.Tollgate == nil ||
		s.Floor.Usage != "none" || s.Tollgate.Usage != "exact" || s.Floor.Completed != reps*n {
		t.Fatalf("summary %+v", s)
	}
	if s.CPURatio <= 0 || s.CPURatioMin > s.CPURatio || s.CPURatio > s.CPURatioMax || s.RSSRatio <= 0 || s.WithClientRatio <= 0 {
		t.Errorf("ratios: cpu %v (%v–%v) rss %v with client %v", s.CPURatio, s.CPURatioMin, s.CPURatioMax, s.RSSRatio, s.WithClientRatio)
	}
	rows := 0 // of rep 2's tollgate run: one in the runs table, one in the latency table
	for line := range strings.SplitSeq(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[0] == "claude-200k" && f[1] == "2" && f[2] == "tollgate" {
			rows++
		}
	}
	if rows != 2 || !strings.Contains(out.String(), "×floor with client") {
		t.Errorf("tables:\n%s", out.String())
	}
}

func TestRunProcessesServerThatDoesNotServe(t *testing.T) {
	_, err := RunProcesses(t.Context(), Options{Scenarios: []string{"chat-2k"}, Requests: 1, Duration: time.Second},
		Spawners{Floor: testSpawn("silent")}, nil)
	if err == nil || !strings.Contains(err.Error(), "exited before serving") || !strings.Contains(err.Error(), "nothing to serve") {
		t.Errorf("err = %v, want the server's exit and its last output", err)
	}
}

func TestMainWithProcessesJSON(t *testing.T) {
	var stdout, stderr strings.Builder
	err := MainWith(t.Context(), []string{"-scenarios", "chat-2k", "-c", "2", "-n", "4", "-reps", "1", "-warmup", "0", "-json"},
		&stdout, &stderr, Servers{Spawners: Spawners{Floor: testSpawn("floor")}})
	if err != nil {
		t.Fatalf("MainWith: %v (stderr %s)", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "process" || len(rep.Results) != 1 || rep.Results[0].Server != "floor" || rep.Results[0].Full != 4 {
		t.Errorf("report %+v", rep)
	}
	if s := rep.Summaries; len(s) != 1 || s[0].Floor == nil || s[0].Tollgate != nil || s[0].CPURatio != 0 {
		t.Errorf("summaries %+v", s)
	}
}

func TestStartPinned(t *testing.T) {
	done := make(chan struct{})
	cmd := exec.Command("sleep", "10")
	if err := startPinned(cmd, []int{0}, done); err != nil {
		t.Skipf("cannot pin here: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); close(done) }()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "Cpus_allowed_list:\t0\n") {
		t.Errorf("the child is not pinned to CPU 0:\n%s", status)
	}
}

func TestRunProcessesWithBaseline(t *testing.T) {
	const reps = 3
	rep, err := RunProcesses(t.Context(), Options{Scenarios: []string{"claude-200k"}, Concurrency: 2, Requests: 4,
		Duration: time.Minute, Reps: reps, Warmup: 0},
		Spawners{Floor: testSpawn("floor"), Tollgate: testSpawn("usage"), Baseline: testSpawn("usage")}, nil)
	if err != nil {
		t.Fatalf("RunProcesses: %v", err)
	}
	// Each repetition starts one server further on.
	var order []string
	for _, r := range rep.Results {
		order = append(order, fmt.Sprintf("%d:%s", r.Rep, r.Server))
	}
	want := []string{"0:floor", "0:tollgate", "0:baseline", "1:tollgate", "1:baseline", "1:floor", "2:baseline", "2:floor", "2:tollgate"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	s := rep.Summaries[0]
	if s.Baseline == nil || s.Baseline.Usage != "exact" || s.VsBaseline <= 0 || s.VsBaselineMin > s.VsBaseline ||
		s.VsBaseline > s.VsBaselineMax || s.BaselineRatio <= 0 || s.CPURatio <= 0 {
		t.Errorf("summary %+v (baseline %+v)", s, s.Baseline)
	}
}
