package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/memlimit"
)

func init() { register("serve", "run the ext_proc service (-config FILE)", runServe) }

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	path := fs.String("config", "", "config file (tollgate.yaml)")
	listen := fs.String("listen", "", "override the config's listen address")
	adminAddr := fs.String("admin", "", "override the config's admin address")
	var prof profiles // -cpuprofile, -memprofile: for `tollgate bench -profile` (profile.go)
	prof.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-config is required")}
	}
	// One log line per request, written in batches (gateway.LogBuffer); everything
	// waiting is written before serve returns.
	logs := gateway.NewLogBuffer(stderr)
	defer logs.Close()
	log, level := gateway.NewLogger(logs, "info")
	memLimit, source := memlimit.Configure()
	if source != "none" {
		log.Info("memory limit", "bytes", memLimit, "from", source)
	}
	gogc, gcFrom := memlimit.ConfigureGC() // GOGC=200 unless set (BENCHMARKS.md)
	log.Info("garbage collection", "gogc", gogc, "from", gcFrom)
	g, err := gateway.New(gateway.Options{ConfigPath: *path, Logger: log, LogLevel: level, Listen: *listen, Admin: *adminAddr,
		MemoryLimit: memLimit})
	if err != nil {
		return err
	}
	// Loading the config and the built-in price table leaves about 10 MiB of garbage
	// (YAML decoding), which would otherwise stay resident until the scavenger gets to
	// it, well into serving. Collect it and give its pages back now.
	debug.FreeOSMemory()
	if err := prof.start(); err != nil {
		return err
	}
	err = g.Serve(ctx)
	if perr := prof.stop(); err == nil {
		err = perr
	}
	return err
}
