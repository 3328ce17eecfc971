package extproc_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// TestObservabilityModeIsNotAnswered: messages sent by a filter in observability_mode
// ("send and go": Envoy ignores any reply) are processed — the response is metered and
// the request recorded — but not answered.
func TestObservabilityModeIsNotAnswered(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"model":"claude-opus-4-7","max_tokens":64,"stream":true,"messages":[]}`)
	for _, m := range []*extprocv3.ProcessingRequest{post("/v1/messages", body, "x-api-key", aliceKey), requestBody(body)} {
		if err := s.Send(m); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	observed := []*extprocv3.ProcessingRequest{responseHeaders(false, ":status", "200", "content-type", "text/event-stream")}
	for _, c := range split([]byte(anthropicStream), 37) {
		observed = append(observed, responseBody(c, false))
	}
	observed = append(observed, responseBody(nil, true))
	for _, m := range observed {
		m.ObservabilityMode = true
		if err := s.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Recv = %v, %v; want no reply to observed messages, then the end of the stream", r, err)
	}
	if logs := f.logs.String(); !strings.Contains(logs, `"input_tokens":1000`) || !strings.Contains(logs, `"output_tokens":500`) {
		t.Errorf("the observed response was not metered:\n%s", logs)
	}
}
