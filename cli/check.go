package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tollgate/tollgate/check"
)

func init() {
	register("check", "validate a config, its environment, Envoy routes and prices, for CI", runCheck)
}

// runCheck exits 0 when the config is good (warnings allowed), 1 on any error (or any
// warning with -strict), 2 on bad usage.
func runCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	path := fs.String("config", "", "config file (tollgate.yaml)")
	envoyPath := fs.String("envoy", "", "Envoy bootstrap whose routes must serve every provider")
	strict := fs.Bool("strict", false, "treat warnings (unpriced models, no keys, a gRPC port open without mTLS) as errors")
	output := fs.String("o", "text", "output: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	if *output != "text" && *output != "json" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-o must be text or json")}
	}
	r := check.Run(check.Options{Config: *path, Envoy: *envoyPath, Strict: *strict})
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
	} else {
		for _, e := range r.Errors {
			fmt.Fprintf(stdout, "error: %s\n", e)
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(stdout, "note: %s\n", n)
		}
		if r.OK {
			envoy := ""
			if r.Envoy != "" {
				envoy = fmt.Sprintf("; Envoy %s: a route and cluster for every provider", r.Envoy)
			}
			fmt.Fprintf(stdout, "ok: %s: %d providers, %d model rules, %d keys, %d unpriced models%s\n",
				r.Config, r.Providers, r.Models, r.Keys, len(r.Unpriced), envoy)
		}
	}
	if !r.OK {
		return &ExitError{Code: 1}
	}
	return nil
}
