package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// TestMaxConcurrentStreamsPerConnection: limits.max_concurrent_streams bounds the ext_proc
// streams one gRPC connection holds open (a peer cannot open 20,000 on one connection);
// a stream beyond it waits for one to end, and then proceeds.
func TestMaxConcurrentStreamsPerConnection(t *testing.T) {
	g, _, _, _, _ := start(t, baseConfig+"limits:\n  max_concurrent_streams: 2\n")
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := extprocv3.NewExternalProcessorClient(conn)
	headers := filter.RequestHeaders(filter.Of(":method", "POST", ":path", "/v1/messages", "content-type", "application/json").Proto(), false)
	open := func() *filter.Stream {
		s := filter.NewStream(nil, client)
		s.Begin(context.Background())
		return s
	}
	held := []*filter.Stream{open(), open()}
	for _, s := range held {
		if _, fail := s.Call(headers); fail != nil {
			t.Fatal(fail)
		}
	}
	waitFor(t, func() bool { return g.Server().Open() == 2 })

	third := open()
	answered := make(chan error, 1)
	go func() {
		_, fail := third.Call(headers)
		if fail != nil {
			answered <- fail
			return
		}
		answered <- nil
	}()
	select {
	case err := <-answered:
		t.Fatalf("a third stream on the connection was served at once (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if open := g.Server().Open(); open != 2 {
		t.Fatalf("%d streams open, want 2", open)
	}
	if err := held[0].Close(time.Second); err != nil && !strings.Contains(err.Error(), "EOF") {
		t.Logf("closing: %v", err)
	}
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting stream did not proceed once another ended")
	}
}
