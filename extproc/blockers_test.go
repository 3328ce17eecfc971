package extproc_test

import (
	"context"
	"github.com/prometheus/client_golang/prometheus/testutil"
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

// TestDeepJSONInAStringDoesNotCrash: JSON nested ten million deep inside a string of the
// body (a Chat tool call's arguments, which the Messages translation parses) is past the
// body's own depth scan; the translation validates it without recursion: a 400 in the
// client's shape, and the process serves the next request.
func TestDeepJSONInAStringDoesNotCrash(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	const depth = 10_000_000
	args := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"hi"},` +
		`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"` + args + `"}}]}]}`)
	ex := f.open(t)
	if r := ex.send(post("/v1/chat/completions", body, "x-api-key", securityClientKey)); r.GetImmediateResponse() != nil {
		t.Fatalf("headers refused: %v", r)
	}
	ir := immediateOf(t, ex.send(requestBody(body)))
	if ir.Status.Code != 400 {
		t.Fatalf("status %d, want 400", ir.Status.Code)
	}
	checkErrorShape(t, ir.Body, "openai", "not a JSON object")
	ex.close()
	ok := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":1,"messages":[]}`)
	replies, _ := rawStream(t, f, post("/v1/messages", ok, "x-api-key", securityClientKey), requestBody(ok))
	if len(replies) != 2 || mutationOf(t, replies[1]).set["x-tollgate-provider"] != "anthropic" {
		t.Fatalf("the next request was not routed: %v", replies)
	}
}

// TestOverLongModelIs400: a model name over 256 bytes — in the body or in a native path —
// is a 400 that does not echo it, and nothing of it reaches the log.
func TestOverLongModelIs400(t *testing.T) {
	isolateCloud(t)
	logs := &syncBuffer{}
	f := newWiredFixture(t, logs)
	long := "claude-" + strings.Repeat("x", 3<<20)
	body := []byte(`{"model":"` + long + `","max_tokens":1,"messages":[]}`)
	for _, tc := range []struct{ path, shape string }{{"/v1/messages", "anthropic"}, {"/v1/chat/completions", "openai"}} {
		replies, _ := rawStream(t, f, post(tc.path, body, "x-api-key", securityClientKey), requestBody(body))
		if len(replies) != 2 {
			t.Fatalf("%s: %d replies", tc.path, len(replies))
		}
		ir := immediateOf(t, replies[1])
		if ir.Status.Code != 400 || len(ir.Body) > 1024 {
			t.Fatalf("%s: status %d, %d-byte body", tc.path, ir.Status.Code, len(ir.Body))
		}
		checkErrorShape(t, ir.Body, tc.shape, "at most 256 bytes")
	}
	path := "/model/" + strings.Repeat("m", 300) + "/invoke"
	replies, _ := rawStream(t, f, post(path, []byte(`{"max_tokens":1,"messages":[]}`), "x-api-key", securityClientKey), requestBody([]byte(`{"max_tokens":1,"messages":[]}`)))
	if len(replies) != 2 || immediateOf(t, replies[1]).Status.Code != 400 {
		t.Fatalf("over-long path model: %v", replies)
	}
	if n := len(logs.String()); n > 64<<10 {
		t.Fatalf("the log grew by %d bytes", n)
	}
}

// TestNegativeUsageIsClampedAndCounted: a provider reporting a negative output_tokens
// (which used to panic a counter) is recorded as 0 and counted as a malformed-usage
// metering error; the process serves on.
func TestNegativeUsageIsClampedAndCounted(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	body := []byte(`{"model":"claude-opus-4-7","max_tokens":1,"stream":true,"messages":[]}`)
	stream := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":-7000}}\n\n"
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", securityClientKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
	ex.send(responseBody([]byte(stream), false))
	md := ex.send(responseBody(nil, true)).GetDynamicMetadata().Fields["tollgate"].GetStructValue().Fields
	ex.close()
	if md["output_tokens"].GetNumberValue() != 0 || md["input_tokens"].GetNumberValue() != 10 {
		t.Fatalf("metadata %v", md)
	}
	if got := testutil.ToFloat64(f.metrics.MeteringErrors.WithLabelValues("anthropic", "malformed")); got != 1 {
		t.Fatalf("malformed metering errors = %v, want 1", got)
	}
	warmUp(t, f)
}

// TestNothingLeaksUpstream: a key in the query (?key=, ?api_key=, ?api-key=), a
// Proxy-Authorization and a Cookie never go on to the provider.
func TestNothingLeaksUpstream(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	body := []byte(`{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
	replies, _ := rawStream(t, f,
		post("/v1/messages?beta=true&key=tg-second-key&api_key=x&API-KEY=y", body, "x-api-key", securityClientKey,
			"proxy-authorization", "Basic c2VjcmV0", "cookie", "session=abc"),
		requestBody(body))
	if len(replies) != 2 {
		t.Fatalf("%d replies", len(replies))
	}
	m := mutationOf(t, replies[1])
	if got := m.set[":path"]; got != "/v1/messages?beta=true" {
		t.Errorf(":path %q, want the query without its keys", got)
	}
	for _, h := range []string{"proxy-authorization", "cookie", "authorization", "x-api-key"} {
		if !m.removed[h] && m.set[h] == "" {
			t.Errorf("%s is neither removed nor replaced", h)
		}
	}
	if m.set["x-api-key"] == securityClientKey {
		t.Error("the client's key goes upstream")
	}
}
