package cli

import (
	"context"
	"io"
	"os"

	"github.com/tollgate/tollgate/devstack"
)

func init() {
	register("dev", "a working gateway on :10000 with no Docker: Envoy (or -embedded), tollgate and the mock provider", runDev)
}

// runDev is `tollgate dev`; package devstack does the work.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dev", stderr)
	o := devstack.Options{Stdout: stdout, Stderr: stderr}
	fs.StringVar(&o.ConfigPath, "config", "", "tollgate config (default: the quickstart's, deploy/tollgate.yaml, with the mock provider)")
	envoyPath := fs.String("envoy", "", "Envoy bootstrap to adapt (default: envoy/envoy.yaml as shipped)")
	fs.StringVar(&o.Listen, "listen", devstack.DefaultListen, "where clients connect (Envoy's listener)")
	fs.StringVar(&o.Admin, "admin", devstack.DefaultAdmin, "tollgate's admin address (/metrics)")
	fs.StringVar(&o.EnvoyAdmin, "envoy-admin", devstack.DefaultEnvoyAdmin, "Envoy's admin address (loopback only)")
	fs.BoolVar(&o.Embedded, "embedded", false, "serve with tollgate's Envoy stand-in instead of Envoy: no download; for trying things out, not for production")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *envoyPath != "" {
		raw, err := os.ReadFile(*envoyPath)
		if err != nil {
			return err
		}
		o.EnvoyConfig = raw
	}
	return devstack.Run(ctx, o)
}
