package extproc

import (
	"os"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/extproc/config"
	"github.com/tollgate/tollgate/extproc/provider"
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

func benchRuntime(b testing.TB) *config.Runtime {
	data, err := os.ReadFile("testdata/core.yaml")
	if err != nil {
		b.Fatal(err)
	}
	l, err := config.Parse("core.yaml", []byte(strings.Replace(string(data), "max_request_body: 4096", "max_request_body: 33554432", 1)), os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := config.Compile(l, provider.Deps{})
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
		st := newStream(srv, rt)
		st.onRequestHeaders(hdr)
		resp := st.onRequestBody(msg)
		if resp.GetRequestBody() == nil {
			b.Fatal("rejected")
		}
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
