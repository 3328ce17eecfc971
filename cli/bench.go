package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/tollgate/tollgate/bench"
	"github.com/tollgate/tollgate/gateway"
)

func init() {
	register("bench", "play Envoy toward tollgate (-config FILE) or any ext_proc server (-target), next to the no-op floor", runBench)
}

// runBench measures `tollgate serve -config FILE` and the floor (`tollgate bench-floor`),
// each run as a process of its own started from this executable, and hands every other
// flag to bench.MainWith (bench/README.md). For -inprocess it also builds tollgate from
// -config inside this process as `serve` does (its metrics, its request log — formatted,
// then discarded); building it first checks the config before any process starts.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	path, rest, err := cutConfig(args)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	sv := bench.Servers{Spawners: bench.Spawners{Floor: func(listen string, extra ...string) *exec.Cmd {
		return exec.Command(exe, append([]string{"bench-floor", "-listen", listen}, extra...)...)
	}}}
	if path != "" {
		// Its own listeners are bound on 127.0.0.1:0 and never served.
		g, err := gateway.New(gateway.Options{ConfigPath: path, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		if err != nil {
			return err
		}
		sv.Register = g.Server().Register
		serve := func(exe string) bench.Spawn {
			return func(listen string, extra ...string) *exec.Cmd {
				return exec.Command(exe, append([]string{"serve", "-config", path, "-listen", listen, "-admin", "127.0.0.1:0"}, extra...)...)
			}
		}
		sv.Tollgate, sv.BaselineSpawn = serve(exe), serve
	}
	return bench.MainWith(ctx, rest, stdout, stderr, sv)
}

// cutConfig removes -config FILE (or -config=FILE) from args.
func cutConfig(args []string) (path string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return "", nil, errors.New("-config: missing file name")
			}
			i++
			value = args[i]
		}
		path = value
	}
	return path, rest, nil
}
