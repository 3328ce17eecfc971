package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
)

// Servers are the servers the command line can measure besides a -target.
type Servers struct {
	// Register serves tollgate inside the load tool (-inprocess); nil: no tollgate.
	Register func(*grpc.Server)
	// Spawners start the floor and tollgate as processes of their own (the default
	// mode). Without a floor spawner, the servers run in-process.
	Spawners
	// BaselineSpawn starts tollgate from another executable (-baseline EXE) as Tollgate
	// starts this one; nil: no -baseline.
	BaselineSpawn func(exe string) Spawn
}

// Main is the command line of the load tool with tollgate, when not nil and no -target
// is given, measured in-process next to the floor: MainWith(…, Servers{Register: tollgate}).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, tollgate func(*grpc.Server)) error {
	return MainWith(ctx, args, stdout, stderr, Servers{Register: tollgate})
}

// MainWith is the command line of the load tool: it parses args (flags below), runs, and
// writes the tables (or, with -json, the report as JSON) to stdout. The servers run as
// processes of their own when sv can start them (RunProcesses), in-process with
// -inprocess or when it cannot (Run), and a -target is measured where it runs.
//
//	-scenarios chat-2k-paced,chat-2k,claude-200k,body-5m   scenarios to run
//	-c 0 -n 2000 -d 20s -reps 3              concurrency (0: each scenario's); requests and time limit per run
//	-server-cpus 1 -client-cpus 0            pin the servers and the load tool
//	-profile DIR                             CPU and allocation profiles of each server process
//	-tollgate-env GOGC=200                   added to tollgate's environment
//	-baseline EXE                            another tollgate build in the same rotation
//	-inprocess                               serve both inside the load tool (the old method)
//	-target host:port                        measure an external server instead
//	-key KEY -pacing D -observe -timeout 30s -warmup 1 -no-floor -json -v
func MainWith(ctx context.Context, args []string, stdout, stderr io.Writer, sv Servers) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts       Options
		scenarios  = fs.String("scenarios", strings.Join(DefaultScenarios, ","), "comma-separated scenarios: "+strings.Join(ScenarioNames(), ", "))
		asJSON     = fs.Bool("json", false, "write the report as JSON instead of tables")
		verbose    = fs.Bool("v", false, "log each run to stderr")
		inProcess  = fs.Bool("inprocess", false, "serve the floor and tollgate inside the load tool (CPU and RSS are then the tool's and the server's together)")
		serverCPUs = fs.String("server-cpus", "", "pin each server process to these CPUs (Linux list, e.g. 1 or 2-3)")
		clientCPUs = fs.String("client-cpus", "", "pin the load tool to these CPUs (e.g. 0)")
		baseline   = fs.String("baseline", "", "another tollgate executable, measured with the same config in the same rotation (paired ratios to it)")
	)
	fs.IntVar(&opts.Concurrency, "c", 0, "concurrent streams (0: each scenario's own: chat-2k-paced 32, chat-2k 16, claude-200k 16, body-5m 4)")
	fs.IntVar(&opts.Requests, "n", 2000, "requests per run (the run stops at -n or -d, whichever comes first)")
	fs.DurationVar(&opts.Duration, "d", 20*time.Second, "time limit per run")
	fs.IntVar(&opts.Reps, "reps", 3, "repetitions of each (scenario, server) run, the servers' order alternating (servers as processes)")
	fs.StringVar(&opts.ProfileDir, "profile", "", "write a CPU and an allocation profile of each server process into this directory")
	fs.Func("tollgate-env", "KEY=VALUE added to tollgate's environment, e.g. GOGC=200 (repeatable; servers as processes)", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("%q is not KEY=VALUE", v)
		}
		opts.TollgateEnv = append(opts.TollgateEnv, v)
		return nil
	})
	fs.Func("pacing", "time between response chunks for every scenario (default: each scenario's own; chat-2k-paced 20ms, others 0)", func(v string) error {
		d, err := time.ParseDuration(v)
		opts.Pacing, opts.PacingSet = d, true
		return err
	})
	fs.StringVar(&opts.Target, "target", "", "host:port of an external ext_proc server to measure (its CPU and memory are not measured)")
	fs.StringVar(&opts.Key, "key", DefaultKey, "client key sent as Authorization: Bearer (OpenAI) or x-api-key (Anthropic)")
	fs.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "how long requests in flight at the end of -d may still take")
	fs.IntVar(&opts.Warmup, "warmup", 1, "unmeasured requests per worker before each run")
	fs.BoolVar(&opts.NoFloor, "no-floor", false, "do not run the floor server")
	fs.BoolVar(&opts.Observe, "observe", false, "send the response as an ext_proc filter in observability_mode does: no reply awaited (usage then cannot be read)")
	fs.BoolVar(&opts.ObserveStream, "observe-stream", false, "as -observe, on a second stream, as a second filter would (the floor only: tollgate does not serve the split)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, s := range strings.Split(*scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			opts.Scenarios = append(opts.Scenarios, s)
		}
	}
	var errs []error
	if len(opts.Scenarios) == 0 {
		errs = append(errs, errors.New("-scenarios: empty"))
	}
	if opts.Reps < 1 {
		errs = append(errs, fmt.Errorf("-reps %d: must be at least 1", opts.Reps))
	}
	var err error
	if opts.ServerCPUs, err = parseCPUList(*serverCPUs); err != nil {
		errs = append(errs, fmt.Errorf("-server-cpus: %w", err))
	}
	if opts.ClientCPUs, err = parseCPUList(*clientCPUs); err != nil {
		errs = append(errs, fmt.Errorf("-client-cpus: %w", err))
	}
	processes := opts.Target == "" && !*inProcess && sv.Floor != nil
	if !processes && (*serverCPUs != "" || *clientCPUs != "" || opts.ProfileDir != "" || len(opts.TollgateEnv) > 0) {
		errs = append(errs, errors.New("-server-cpus, -client-cpus, -profile and -tollgate-env need the servers as processes (not -inprocess, not -target)"))
	}
	if *baseline != "" {
		switch {
		case !processes:
			errs = append(errs, errors.New("-baseline needs the servers as processes (not -inprocess, not -target)"))
		case sv.BaselineSpawn == nil || sv.Tollgate == nil:
			errs = append(errs, errors.New("-baseline needs a tollgate config (-config)"))
		default:
			sv.Baseline = sv.BaselineSpawn(*baseline)
		}
	}
	if opts.ProfileDir != "" {
		if err := os.MkdirAll(opts.ProfileDir, 0o755); err != nil {
			errs = append(errs, fmt.Errorf("-profile: %w", err))
		}
	}
	if len(errs) > 0 {
		// Options.validate reports its own problems with these.
		if verr := opts.validate(); verr != nil {
			errs = append(errs, verr)
		}
		return errors.Join(errs...)
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	table := stdout
	if *asJSON {
		table = nil
	}
	var rep Report
	if processes {
		rep, err = RunProcesses(ctx, opts, sv.Spawners, table)
	} else {
		rep, err = Run(ctx, opts, sv.Register, table)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return rep.Err(opts.Key)
}
