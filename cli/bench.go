package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"google.golang.org/grpc"

	"github.com/tollgate/tollgate/bench"
	"github.com/tollgate/tollgate/gateway"
)

func init() {
	register("bench", "play Envoy toward tollgate (-config FILE, in-process) or any ext_proc server (-target), next to the no-op floor", runBench)
}

// runBench builds tollgate from -config as `serve` does (its metrics, its request log —
// formatted, then discarded) and hands every other flag to bench.Main (bench/README.md).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	path, rest, err := cutConfig(args)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	var tollgate func(*grpc.Server)
	if path != "" {
		// Its own listeners are bound on 127.0.0.1:0 and never served.
		g, err := gateway.New(gateway.Options{ConfigPath: path, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		if err != nil {
			return err
		}
		tollgate = g.Server().Register
	}
	return bench.Main(ctx, rest, stdout, stderr, tollgate)
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
