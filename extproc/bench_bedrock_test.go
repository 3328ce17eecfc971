package extproc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
)

// benchBedrockFrames is the recorded Bedrock stream, 20 times over, in 333-byte chunks
// (frames split anywhere, as Envoy delivers them).
func benchBedrockFrames(b *testing.B) [][]byte {
	data, err := os.ReadFile("../llm/eventstream/testdata/stream_events.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for range 20 {
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(line)})
			var hs awses.Headers
			hs.Set(":event-type", awses.StringValue("chunk"))
			hs.Set(":content-type", awses.StringValue("application/json"))
			hs.Set(":message-type", awses.StringValue("event"))
			if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var out [][]byte
	for all := buf.Bytes(); len(all) > 0; {
		n := min(333, len(all))
		out = append(out, all[:n])
		all = all[n:]
	}
	return out
}

// benchBedrockStream is a stream at its response-body phase: a request on path routed
// to Bedrock (testdata/cloud.yaml), answered with an event stream.
func benchBedrockStream(b *testing.B, path string, body []byte) *stream {
	b.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETOLLGATE")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "secret-example-key")
	b.Setenv("AWS_SESSION_TOKEN", "")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	b.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	data, err := os.ReadFile("testdata/cloud.yaml")
	if err != nil {
		b.Fatal(err)
	}
	l, err := config.Parse("cloud.yaml", data, os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := New(rt, Options{})
	st := newStream(srv, srv.runtime.Load())
	st.onRequestHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte(path)},
		{Key: "content-type", RawValue: []byte("application/json")},
	}}})
	if st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true}).GetRequestBody() == nil {
		b.Fatal("rejected")
	}
	st.onResponseHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte("application/vnd.amazon.eventstream")},
	}}})
	return st
}

func benchBedrockChunks(b *testing.B, st *stream) {
	cs := benchBedrockFrames(b)
	total := 0
	for _, c := range cs {
		total += len(c)
	}
	msgs := make([]*extprocv3.HttpBody, len(cs))
	for i, c := range cs {
		msgs[i] = &extprocv3.HttpBody{Body: c}
	}
	b.SetBytes(int64(total / len(cs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st.onResponseBody(msgs[i%len(msgs)]) == nil {
			b.Fatal("no reply")
		}
	}
}

// BenchmarkResponseChunkBedrockTranslated is one 333-byte chunk of a Bedrock event
// stream through the response-body phase for an Anthropic-API client: decoded once,
// metered, and translated to Anthropic SSE.
func BenchmarkResponseChunkBedrockTranslated(b *testing.B) {
	st := benchBedrockStream(b, "/v1/messages",
		[]byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	benchBedrockChunks(b, st)
}

// BenchmarkResponseChunkBedrockNative is the same chunk for a Bedrock-native client:
// metered, passed through unchanged.
func BenchmarkResponseChunkBedrockNative(b *testing.B) {
	st := benchBedrockStream(b, "/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream",
		[]byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`))
	benchBedrockChunks(b, st)
}
