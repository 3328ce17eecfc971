package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tollgate/tollgate/extproc/config"
)

func init() {
	register("check", "validate a config (and its Envoy routes) for CI", runCheck)
}

func runCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	path := fs.String("config", "", "config file (tollgate.yaml)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	l, err := config.LoadFile(*path)
	if err != nil {
		if ce, ok := err.(*config.Error); ok {
			for _, p := range ce.Problems {
				fmt.Fprintf(stdout, "error: %s\n", p)
			}
			return &ExitError{Code: 1, Err: fmt.Errorf("%s: %d problem(s)", *path, len(ce.Problems))}
		}
		fmt.Fprintf(stdout, "error: %v\n", err)
		return &ExitError{Code: 1}
	}
	if len(l.Keys) == 0 {
		fmt.Fprintln(stdout, "warning: no keys configured: the gateway is open to anyone who can reach Envoy")
	}
	_ = os.Stdout
	fmt.Fprintf(stdout, "ok: %s: %d providers, %d model rules, %d keys\n", *path, len(l.Providers), len(l.Models), len(l.Keys))
	return nil
}
