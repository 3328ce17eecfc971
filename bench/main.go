package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
)

// Main is the command line of the load tool: it parses args (flags below), runs, and
// writes the table (or, with -json, the report as JSON) to stdout. tollgate, when not nil
// and no -target is given, is the server measured in-process next to the floor.
//
//	-scenarios chat-2k,claude-200k,body-5m   scenarios to run
//	-c 16 -n 2000 -d 30s                     concurrency; requests and time limit per run
//	-target host:port                        measure an external server instead
//	-key KEY                                 the client key sent
//	-timeout 30s -warmup 1 -no-floor -json -v
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, tollgate func(*grpc.Server)) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts      Options
		scenarios = fs.String("scenarios", strings.Join(DefaultScenarios, ","), "comma-separated scenarios: "+strings.Join(ScenarioNames(), ", "))
		asJSON    = fs.Bool("json", false, "write the report as JSON instead of a table")
		verbose   = fs.Bool("v", false, "log each run to stderr")
	)
	fs.IntVar(&opts.Concurrency, "c", 16, "concurrent streams")
	fs.IntVar(&opts.Requests, "n", 2000, "requests per scenario and server (the run stops at -n or -d, whichever comes first)")
	fs.DurationVar(&opts.Duration, "d", 30*time.Second, "time limit per scenario and server")
	fs.StringVar(&opts.Target, "target", "", "host:port of an external ext_proc server to measure (its CPU and memory are not measured)")
	fs.StringVar(&opts.Key, "key", DefaultKey, "client key sent as Authorization: Bearer (OpenAI) or x-api-key (Anthropic)")
	fs.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "how long requests in flight at the end of -d may still take")
	fs.IntVar(&opts.Warmup, "warmup", 1, "unmeasured requests per worker before each run")
	fs.BoolVar(&opts.NoFloor, "no-floor", false, "do not run the floor server")
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
	if len(opts.Scenarios) == 0 {
		return errors.New("-scenarios: empty")
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	table := stdout
	if *asJSON {
		table = nil
	}
	rep, err := Run(ctx, opts, tollgate, table)
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
