package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"google.golang.org/grpc"

	"github.com/tollgate/tollgate/bench"
)

// bench-floor is not listed: `tollgate bench` runs it as a process of its own, the floor
// that tollgate is measured against (bench/README.md).
func init() { registerHidden("bench-floor", runBenchFloor) }

// runBenchFloor serves the no-op ext_proc server (bench.FloorServer) on -listen until
// ctx is done, after logging its address as `serve` does ("... serving", "listen").
// Like `serve`, it takes gRPC messages up to the load tool's largest.
func runBenchFloor(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlags("bench-floor", stderr)
	listen := fs.String("listen", "127.0.0.1:0", "ext_proc gRPC address")
	var prof profiles
	prof.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	if err := prof.start(); err != nil {
		lis.Close()
		return err
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(bench.MaxMessage), grpc.MaxSendMsgSize(bench.MaxMessage))
	bench.NewFloorServer().Register(g)
	served := make(chan error, 1)
	go func() { served <- g.Serve(lis) }()
	slog.New(slog.NewJSONHandler(stderr, nil)).Info("floor serving", "listen", lis.Addr().String())
	select {
	case <-ctx.Done():
		g.Stop()
		<-served
		err = nil
	case err = <-served:
	}
	if perr := prof.stop(); err == nil {
		err = perr
	}
	return err
}
