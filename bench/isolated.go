package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// Spawners start the servers under test as processes of their own (RunProcesses).
type Spawners struct {
	// Floor starts the no-op floor (`tollgate bench-floor`); nil: no floor runs.
	Floor Spawn
	// Tollgate starts tollgate (`tollgate serve`); nil: the floor alone.
	Tollgate Spawn
	// Baseline starts another build of tollgate (`-baseline EXE`) measured in the same
	// rotation, so that a change is read as a paired ratio to the build before it.
	Baseline Spawn
}

// RunProcesses runs every scenario against each server started as a process of its own
// — a fresh one per run, pinned to opts.ServerCPUs — as Envoy sees an ext_proc server:
// the CPU time per request and the peak resident set are that process's alone, read
// from /proc, so the load tool's own cost is in neither. Each (scenario, server) run is
// repeated opts.Reps times, the servers' order alternating from one repetition to the
// next, so that a change in the machine's load weighs on both sides; each scenario's
// Summary holds the medians and the paired ratios (tollgate ÷ floor within one
// repetition). It prints the tables to out (if not nil) and returns the report.
func RunProcesses(ctx context.Context, opts Options, sp Spawners, out io.Writer) (Report, error) {
	if err := opts.validate(); err != nil {
		return Report{}, err
	}
	if opts.Target != "" {
		return Report{}, errors.New("RunProcesses: a target is measured with Run")
	}
	if opts.Reps < 1 {
		opts.Reps = 1
	}
	type named struct {
		name  string
		spawn Spawn
	}
	var servers []named
	if sp.Floor != nil && !opts.NoFloor {
		servers = append(servers, named{"floor", sp.Floor})
	}
	if sp.Tollgate != nil {
		servers = append(servers, named{"tollgate", sp.Tollgate})
	}
	if sp.Baseline != nil {
		servers = append(servers, named{"baseline", sp.Baseline})
	}
	if len(servers) == 0 {
		return Report{}, errors.New("nothing to measure: no floor and no tollgate to start")
	}
	if len(opts.ClientCPUs) > 0 {
		if err := pinSelf(opts.ClientCPUs); err != nil {
			return Report{}, err
		}
	}
	rep := Report{Mode: "process", Concurrency: opts.Concurrency, Requests: opts.Requests, Duration: opts.Duration,
		GOMAXPROCS: runtime.GOMAXPROCS(0), Reps: opts.Reps, ServerCPUs: opts.ServerCPUs, ClientCPUs: opts.ClientCPUs,
		TollgateEnv: opts.TollgateEnv}
	for _, name := range opts.Scenarios {
		sc, err := NewScenario(name)
		if err != nil {
			return rep, err
		}
		m := newMessages(sc, opts.Key)
		first := len(rep.Results)
		for r := range opts.Reps {
			for i := range servers {
				// Alternate: floor first, then tollgate first, ...; with a baseline too,
				// each repetition starts one server further on.
				s := servers[(i+r)%len(servers)]
				if len(servers) == 2 && r%2 == 1 {
					s = servers[1-i]
				}
				opts.Logger.Info("bench run", "scenario", name, "server", s.name, "rep", r)
				res, err := runProcess(ctx, s.name, s.spawn, m, &opts, r)
				if err != nil {
					return rep, err
				}
				rep.Results = append(rep.Results, res)
			}
		}
		rep.Summaries = append(rep.Summaries, summarise(name, rep.Results[first:]))
	}
	if out != nil {
		if err := printProcessTables(out, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// runProcess starts one server, measures one scenario against it, and stops it.
func runProcess(ctx context.Context, name string, spawn Spawn, m *messages, opts *Options, rep int) (Result, error) {
	var extra []string
	if opts.ProfileDir != "" {
		base := filepath.Join(opts.ProfileDir, fmt.Sprintf("%s.%s.%d", m.sc.Name, name, rep))
		extra = []string{"-cpuprofile", base + ".cpu.pprof", "-memprofile", base + ".allocs.pprof"}
	}
	var env []string
	if name == "tollgate" { // not the baseline: -baseline with the same executable tries a setting
		env = opts.TollgateEnv
	}
	p, err := startProcess(ctx, name, spawn, opts.ServerCPUs, extra, env)
	if err != nil {
		return Result{}, err
	}
	conn, err := dial(p.addr)
	if err != nil {
		_ = p.stop()
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	s := &server{name: name, conn: conn, client: extprocv3.NewExternalProcessorClient(conn)}
	res := runLoad(ctx, s, m, opts, &procProbe{pid: p.pid})
	conn.Close()
	res.Process, res.Rep = true, rep
	if err := p.stop(); err != nil {
		// Its requests are counted; how it ended is shown with them.
		res.ErrorSamples = append(res.ErrorSamples, "server exit: "+err.Error())
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// procProbe measures a server process (its CPU time and peak RSS, from /proc) and the
// load tool's own CPU time.
type procProbe struct {
	pid    int
	client selfProbe
	cpu    procCPU
	err    error
	reset  bool
}

func (p *procProbe) begin() {
	p.client.begin()
	p.reset = resetProcPeakRSS(p.pid)
	p.cpu, p.err = readProcCPU(p.pid)
}

func (p *procProbe) end(res *Result) {
	var client Result
	client.Completed = res.Completed
	p.client.end(&client)
	res.ClientCPUPerRequest = client.CPUPerRequest
	after, err := readProcCPU(p.pid)
	if err = errors.Join(p.err, err); err != nil {
		res.ErrorSamples = append(res.ErrorSamples, "reading the server's CPU time: "+err.Error())
		return
	}
	res.ServerCPU, res.CPUSource = cpuBetween(p.cpu, after)
	if res.Completed > 0 {
		res.CPUPerRequest = res.ServerCPU / time.Duration(res.Completed)
	}
	res.PeakRSS, _ = procPeakRSS(p.pid)
	res.PeakRSSReset = p.reset
}
