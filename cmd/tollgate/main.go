// Command tollgate is the Envoy ext_proc LLM gateway. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate/tollgate/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
