package extproc

import (
	"bytes"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/tidwall/gjson"
)

// FuzzRequestBody feeds arbitrary bodies to the request-body phase of each client API.
// Whatever the input: no panic; a rejection is a local reply; an accepted body is valid
// JSON whose one "model" is the routed upstream model, and content-length matches it.
func FuzzRequestBody(f *testing.F) {
	for _, s := range []string{
		`{"model":"gpt-4.1","messages":[]}`,
		`{"model":"claude-sonnet-4-5-20250929","stream":true,"max_tokens":5}`,
		`{"model":"gpt-4.1","stream":true,"stream_options":{"include_usage":false}}`,
		`{"model":"gpt-4.1","model":"gpt-5.1"}`,
		`{"mod\u0065l":"gpt-4.1"}`,
		`{"model":42}`, `[]`, ``, `{`, "{\"model\":\"gpt-4.1\",\"x\":\"\xff\"}",
		`{"model":"claude-x","messages":[{"role":"user","content":"\u0000"}]}`,
		// Nesting past jsonlimit.MaxDepth (the stack-overflow shape), at it, and unbalanced.
		`{"model":"gpt-4.1","x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"model":"gpt-4.1","x":` + strings.Repeat(`{"a":`, 9998) + "1" + strings.Repeat("}", 9998) + `}`,
		`{"model":"gpt-4.1","x":` + strings.Repeat("[", 20000),
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(2))
	}
	rt := benchRuntime(f)
	srv := New(rt, Options{})
	paths := []string{"/v1/chat/completions", "/v1/responses", "/v1/messages"}
	f.Fuzz(func(t *testing.T, body []byte, p uint8) {
		st := newStream(srv, srv.runtime.Load())
		st.onRequestHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
			{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte(paths[int(p)%len(paths)])},
			{Key: "x-api-key", RawValue: []byte("alice-key")},
		}}})
		in := bytes.Clone(body)
		resp := st.onRequestBody(&extprocv3.HttpBody{Body: in, EndOfStream: true})
		if resp.GetImmediateResponse() != nil {
			return
		}
		common := resp.GetRequestBody().GetResponse()
		if common == nil {
			t.Fatalf("reply is %T", resp.Response)
		}
		sent := body
		if bm := common.GetBodyMutation(); bm != nil {
			sent = bm.GetBody()
		}
		if !gjson.ValidBytes(sent) {
			t.Fatalf("forwarded invalid JSON %q", sent)
		}
		n := 0
		gjson.ParseBytes(sent).ForEach(func(k, _ gjson.Result) bool {
			if k.String() == "model" {
				n++
			}
			return true
		})
		if n != 1 || gjson.GetBytes(sent, "model").Str != st.route.UpstreamModel {
			t.Fatalf("forwarded body %q does not name the routed model %q once", sent, st.route.UpstreamModel)
		}
		for _, h := range common.GetHeaderMutation().GetSetHeaders() {
			if h.Header.Key == "content-length" && string(h.Header.RawValue) != itoa(len(sent)) {
				t.Fatalf("content-length %s for %d bytes", h.Header.RawValue, len(sent))
			}
		}
		st.done = true
	})
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
