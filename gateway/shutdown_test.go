package gateway

import (
	"context"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// An Anthropic stream in two parts: message_start (input 100, output 1 so far), then
// the cumulative final output of 40 and the end.
const (
	streamStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":100,\"output_tokens\":1}}}\n\n"
	streamEnd   = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":40}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
)

func sdHeaders(kv ...string) *corev3.HeaderMap {
	m := &corev3.HeaderMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Headers = append(m.Headers, &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
	}
	return m
}

// midResponse opens an ext_proc stream and drives it as Envoy would (through
// internal/envoysim/filter, Envoy's side shared by every test that plays it) up to the
// first chunk of a streamed response, whose usage tollgate has then seen.
func midResponse(c extprocv3.ExternalProcessorClient) (*filter.Stream, error) {
	s := filter.NewStream(nil, c)
	s.Begin(context.Background())
	body := []byte(`{"model":"claude-x","max_tokens":64,"stream":true,"messages":[]}`)
	for _, r := range []*extprocv3.ProcessingRequest{
		filter.RequestHeaders(sdHeaders(":method", "POST", ":path", "/v1/messages", "content-type", "application/json"), false),
		filter.RequestBody(body, true),
		filter.ResponseHeaders(sdHeaders(":status", "200", "content-type", "text/event-stream"), false),
		filter.ResponseBody([]byte(streamStart), false),
	} {
		if _, fail := s.Call(r); fail != nil {
			return nil, fail
		}
	}
	return s, nil
}

// finishStream sends the rest of the response and ends the stream as Envoy does.
func finishStream(s *filter.Stream) error {
	if _, fail := s.Call(filter.ResponseBody([]byte(streamEnd), true)); fail != nil {
		return fail
	}
	return s.Close(10 * time.Second)
}

// TestSIGTERMWith100OpenStreams: 100 streams are mid-response when the serve context
// ends. The 60 that finish within server.shutdown_grace are recorded normally, the 40
// others are cut when it is over and counted as interrupted; every request and every
// token seen is in the metrics.
func TestSIGTERMWith100OpenStreams(t *testing.T) {
	const n, finishing = 100, 60
	g, _, logs, cancel, done := start(t, strings.Replace(baseConfig, "shutdown_grace: 3s", "shutdown_grace: 1s", 1))
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := extprocv3.NewExternalProcessorClient(conn)
	streams := make([]*filter.Stream, n)
	for i := range streams {
		if streams[i], err = midResponse(client); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	if open := g.Server().Open(); open != n {
		t.Fatalf("%d open streams, want %d", open, n)
	}

	cancel() // SIGTERM
	waitFor(t, func() bool { return !g.ready.Load() })
	var wg sync.WaitGroup
	errs := make(chan error, finishing)
	for _, s := range streams[:finishing] {
		wg.Go(func() { errs <- finishStream(s) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a stream could not finish within the grace period: %v", err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
		done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the grace period")
	}

	m := g.metrics
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("", "claude-x", "anthropic", "200")); got != n {
		t.Errorf("requests recorded = %v, want %d", got, n)
	}
	if got := testutil.CollectAndCount(m.Requests); got != 1 {
		t.Errorf("%d request series, want 1 (every request was a 200)", got)
	}
	if got := testutil.ToFloat64(m.StreamsInterrupted.WithLabelValues("claude-x", "anthropic")); got != n-finishing {
		t.Errorf("interrupted = %v, want %d", got, n-finishing)
	}
	if got := testutil.ToFloat64(m.Tokens.WithLabelValues("", "claude-x", "anthropic", "input")); got != 100*n {
		t.Errorf("input tokens = %v, want %d", got, 100*n)
	}
	if got, want := testutil.ToFloat64(m.Tokens.WithLabelValues("", "claude-x", "anthropic", "output")), float64(40*finishing+1*(n-finishing)); got != want {
		t.Errorf("output tokens = %v, want %v", got, want)
	}
	if open := g.Server().Open(); open != 0 {
		t.Errorf("%d streams still open after shutdown", open)
	}
	if !strings.Contains(logs.String(), "grace period over") {
		t.Error("the cut streams were not cut by the grace period")
	}
}
