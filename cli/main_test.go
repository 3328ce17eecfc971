package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain lets the test binary stand in for the tollgate executable: with
// TOLLGATE_CLI_TEST_MAIN=1 it runs Main on its arguments, as cmd/tollgate does, instead of
// the tests. `tollgate bench` starts its servers from its own executable (bench_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("TOLLGATE_CLI_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
