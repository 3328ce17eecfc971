package extproc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rawStream plays an attacker who reaches the gRPC port directly: it sends every
// message whatever the replies, and collects what comes back.
func rawStream(t *testing.T, f *fixture, msgs ...*extprocv3.ProcessingRequest) (replies []*extprocv3.ProcessingResponse, end error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := s.Send(m); err != nil {
			break // the server closed the stream
		}
	}
	_ = s.CloseSend()
	for {
		resp, err := s.Recv()
		if err != nil {
			return replies, err
		}
		replies = append(replies, resp)
	}
}

// TestNoCredentialAfterALocalReply is the credential-oracle regression: a peer that
// gets its 401 on request_headers and sends request_body anyway (or sends a body with
// no headers, or no key at all) never receives a header mutation, let alone a provider
// key; the stream is refused; the server then serves the next real request.
func TestNoCredentialAfterALocalReply(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	chat := []byte(`{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}`)
	messages := []byte(`{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
	tests := []struct {
		name string
		msgs []*extprocv3.ProcessingRequest
	}{
		{"wrong key, then the body", []*extprocv3.ProcessingRequest{
			post("/v1/messages", messages, "x-api-key", "wrong"), requestBody(messages)}},
		{"no key at all on chat completions, then the body", []*extprocv3.ProcessingRequest{
			post("/v1/chat/completions", chat), requestBody(chat)}},
		{"a body with no headers", []*extprocv3.ProcessingRequest{requestBody(chat)}},
		{"local reply to GET /v1/models, then a body", []*extprocv3.ProcessingRequest{
			requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-api-key", securityClientKey), requestBody(chat)}},
		{"wrong key, then headers again with the body", []*extprocv3.ProcessingRequest{
			post("/v1/messages", messages, "x-api-key", "wrong"),
			post("/v1/messages", messages, "x-api-key", securityClientKey), requestBody(messages)}},
		{"wrong key, then response messages", []*extprocv3.ProcessingRequest{
			post("/v1/messages", messages, "x-api-key", "wrong"),
			responseHeaders(false, ":status", "200", "content-type", "text/event-stream"),
			responseBody([]byte(anthropicStream), true)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			replies, end := rawStream(t, f, tc.msgs...)
			for i, r := range replies {
				if r.GetImmediateResponse() != nil {
					continue
				}
				if rb := r.GetRequestBody(); rb != nil && rb.Response != nil && rb.Response.HeaderMutation != nil {
					t.Fatalf("reply %d is a request mutation: %v", i, rb.Response.HeaderMutation)
				}
				if strings.Contains(r.String(), "SECRET") {
					t.Fatalf("reply %d carries a provider secret: %v", i, r)
				}
				if i > 0 || r.GetRequestHeaders() == nil {
					t.Fatalf("reply %d (%T) to a peer outside Envoy's order", i, r.Response)
				}
			}
			if c := status.Code(end); c != codes.FailedPrecondition {
				t.Fatalf("stream ended with %v, want FailedPrecondition (refused)", end)
			}
		})
	}
	// The server still serves a real request.
	replies, _ := rawStream(t, f, post("/v1/chat/completions", chat, "authorization", "Bearer "+securityClientKey), requestBody(chat))
	if len(replies) != 2 || mutationOf(t, replies[1]).set["x-tollgate-provider"] != "openai" {
		t.Fatalf("the next real request was not routed: %v", replies)
	}
}

// TestUnknownMessageEndsTheStream: a ProcessingRequest of no known type is answered
// at once with a stream error, not left for Envoy to time out.
func TestUnknownMessageEndsTheStream(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&extprocv3.ProcessingRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Recv()
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Recv = %v, want InvalidArgument at once", err)
	}
}

// TestTenMillionDeepBodyDoesNotCrash is the stack-overflow regression: a 20 MB body of
// ten million nested arrays (under the 32 MB limit) is a 400 in the client's shape, and
// the process — this test binary — lives to serve the next request.
func TestTenMillionDeepBodyDoesNotCrash(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	const depth = 10_000_000
	var b strings.Builder
	b.Grow(2*depth + 64)
	b.WriteString(`{"model":"claude-sonnet-4-5-20250929","x":`)
	b.WriteString(strings.Repeat("[", depth))
	b.WriteString(strings.Repeat("]", depth))
	b.WriteString("}")
	body := []byte(b.String())
	for _, path := range []string{"/v1/messages", "/v1/chat/completions"} {
		ex := f.open(t)
		if r := ex.send(post(path, body, "x-api-key", securityClientKey)); r.GetImmediateResponse() != nil {
			t.Fatalf("%s: headers refused: %v", path, r)
		}
		ir := immediateOf(t, ex.send(requestBody(body)))
		if ir.Status.Code != 400 {
			t.Fatalf("%s: status %d, want 400", path, ir.Status.Code)
		}
		shape := "openai"
		if path == "/v1/messages" {
			shape = "anthropic"
		}
		checkErrorShape(t, ir.Body, shape, "nested deeper than 10000")
		ex.close()
	}
	ok := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":1,"messages":[]}`)
	replies, _ := rawStream(t, f, post("/v1/messages", ok, "x-api-key", securityClientKey), requestBody(ok))
	if len(replies) != 2 || mutationOf(t, replies[1]).set["x-tollgate-provider"] != "anthropic" {
		t.Fatalf("the next request was not routed: %v", replies)
	}
}
