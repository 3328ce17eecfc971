package extproc

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
)

// claudeCodeBody is a ~200 KB Anthropic Messages body shaped like Claude Code's: a long
// system prompt, tools and a long conversation.
func claudeCodeBody(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"model":"claude-sonnet-4-5-20250929","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Bash","description":"Run a command","input_schema":{"type":"object","properties":{"command":{"type":"string"}}}}],"messages":[`)
	turn := `{"role":"user","content":[{"type":"text","text":"` + strings.Repeat("Read the file and explain what the function does. ", 20) + `"}]},`
	for b.Len() < size-len(turn) {
		b.WriteString(turn)
	}
	b.WriteString(`{"role":"user","content":"go on"}]}`)
	return []byte(b.String())
}

func benchRuntime(b testing.TB) *assembly.Runtime {
	data, err := os.ReadFile("testdata/core.yaml")
	if err != nil {
		b.Fatal(err)
	}
	l, err := config.Parse("core.yaml", []byte(strings.Replace(string(data), "max_request_body: 4096", "max_request_body: 33554432", 1)), os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		b.Fatal(err)
	}
	return rt
}

// BenchmarkRequestBody200KB is the request-body phase of a Claude Code-sized request:
// validate, read the model, route, rewrite the model in place, build the mutation.
func BenchmarkRequestBody200KB(b *testing.B) {
	rt := benchRuntime(b)
	srv := New(rt, Options{})
	body := claudeCodeBody(200 << 10)
	hdr := &extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/messages")},
		{Key: "content-type", RawValue: []byte("application/json")}, {Key: "x-api-key", RawValue: []byte("alice-key")},
	}}}
	msg := &extprocv3.HttpBody{Body: body, EndOfStream: true}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := newStream(srv, srv.runtime.Load())
		st.onRequestHeaders(hdr)
		resp := st.onRequestBody(msg)
		if resp.GetRequestBody() == nil {
			b.Fatal("rejected")
		}
		st.release() // as Process does once the reply is sent: the admitted bytes go back
		st.done = true
	}
}

// BenchmarkSetModel200KB is the in-place model rewrite alone.
func BenchmarkSetModel200KB(b *testing.B) {
	body := claudeCodeBody(200 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := provider.SetModel(body, "claude-sonnet-4-5"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponseChunk is one streamed SSE chunk without usage (a text delta) through
// the response-body phase: meter it and build the reply.
func BenchmarkResponseChunk(b *testing.B) {
	rt := benchRuntime(b)
	srv := New(rt, Options{})
	st := newStream(srv, srv.runtime.Load())
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","stream":true}`)
	st.onRequestHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/messages")},
		{Key: "x-api-key", RawValue: []byte("alice-key")},
	}}})
	st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true})
	st.onResponseHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte("text/event-stream")},
	}}})
	chunk := &extprocv3.HttpBody{Body: []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello, here is the next piece of the answer\"}}\n\n")}
	b.SetBytes(int64(len(chunk.Body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st.onResponseBody(chunk) == nil {
			b.Fatal("no reply")
		}
	}
}

// BenchmarkInFlight200KB measures what a Claude Code-sized request costs while it is in
// flight: N requests through request headers and body (the body's mutation built and
// dropped, as after gRPC sent it), held open awaiting their responses. retained-B/req is
// the heap each keeps; peak-B/req the most any one needed at once (its body phase).
func BenchmarkInFlight200KB(b *testing.B) {
	rt := benchRuntime(b)
	srv := New(rt, Options{})
	body := claudeCodeBody(200 << 10)
	hdr := &extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/messages")},
		{Key: "content-type", RawValue: []byte("application/json")}, {Key: "x-api-key", RawValue: []byte("alice-key")},
	}}}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	streams := make([]*stream, 0, b.N)
	b.ReportAllocs()
	before := heap()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := newStream(srv, srv.runtime.Load())
		st.onRequestHeaders(hdr)
		// Envoy's message: gRPC decodes a fresh copy of the body for each request.
		if st.onRequestBody(&extprocv3.HttpBody{Body: bytes.Clone(body), EndOfStream: true}).GetRequestBody() == nil {
			b.Fatal("rejected")
		}
		st.release() // as Process does once the reply is sent
		streams = append(streams, st)
	}
	b.StopTimer()
	retained := max(int64(heap())-int64(before), 0)
	b.ReportMetric(float64(retained)/float64(b.N), "retained-B/req")
	b.ReportMetric(float64(retained)/float64(b.N)/float64(len(body)), "retained/body")
	runtime.KeepAlive(streams)
}
