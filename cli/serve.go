package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/memlimit"
)

func init() { register("serve", "run the ext_proc service (-config FILE)", runServe) }

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "config file (tollgate.yaml)")
	listen := fs.String("listen", "", "override the config's listen address")
	adminAddr := fs.String("admin", "", "override the config's admin address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	log, level := gateway.NewLogger(stderr, "info")
	memLimit, source := memlimit.Configure()
	if source != "none" {
		log.Info("memory limit", "bytes", memLimit, "from", source)
	}
	g, err := gateway.New(gateway.Options{ConfigPath: *path, Logger: log, LogLevel: level, Listen: *listen, Admin: *adminAddr,
		MemoryLimit: memLimit})
	if err != nil {
		return err
	}
	return g.Serve(ctx)
}
