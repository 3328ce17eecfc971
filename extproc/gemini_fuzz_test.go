package extproc

import (
	"encoding/json"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/llm/api"
)

// FuzzGeminiPath feeds arbitrary :path values (core.yaml routes gemini-* to a gemini
// provider) through the request phases. Whatever the path: no panic; a local reply on a
// Google-looking path is Google's error shape with the reply's status; a forwarded
// request never carries the client's key (no header value, no ?key=) and its upstream
// path names the routed model, whose Gemini path parses back to the same call.
func FuzzGeminiPath(f *testing.F) {
	for _, s := range []string{
		"/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=alice-key",
		"/v1beta/models/gemini-2.5-pro:generateContent?key=alice-key",
		"/v1/models/gemini-2.5-flash:countTokens?k%65y=alice-key&key=x",
		"/v1beta/models/gemini-%2E%2E:generateContent?key=alice-key",
		"/v1beta/models/gemini%2Fx:generateContent?key=alice-key",
		"/v1beta/models/:generateContent?key=alice-key",
		"/v1beta/models/gemini-x:embedContent?key=alice-key",
		"/v1beta/models/claude-x:generateContent?key=alice-key",
		"/v1/messages?key=alice-key",
	} {
		f.Add(s)
	}
	srv := New(benchRuntime(f), Options{})
	body := []byte(`{"contents":[{"parts":[{"text":"hi"}]}]}`)
	f.Fuzz(func(t *testing.T, path string) {
		st := newStream(srv, srv.runtime.Load())
		defer func() { st.done = true }()
		resp := st.onRequestHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
			{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte(path)},
			{Key: "content-type", RawValue: []byte("application/json")},
		}}})
		if resp.GetImmediateResponse() == nil {
			resp = st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true})
		}
		if ir := resp.GetImmediateResponse(); ir != nil {
			p, _ := api.SplitPath(path)
			if !st.kind.GoogleShaped() && !api.GoogleStylePath(p) {
				return
			}
			var e struct {
				Error struct {
					Code   int    `json:"code"`
					Status string `json:"status"`
				} `json:"error"`
			}
			if err := json.Unmarshal(ir.Body, &e); err != nil || e.Error.Code != int(ir.Status.Code) || e.Error.Status == "" {
				t.Fatalf("%q: local reply %d %s is not Google's shape", path, ir.Status.Code, ir.Body)
			}
			return
		}
		common := resp.GetRequestBody().GetResponse()
		if common == nil {
			t.Fatalf("%q: reply is %T", path, resp.Response)
		}
		upstream := ""
		for _, h := range common.GetHeaderMutation().GetSetHeaders() {
			if strings.Contains(string(h.Header.RawValue), "alice-key") {
				t.Fatalf("%q: the client's key went upstream in %s: %q", path, h.Header.Key, h.Header.RawValue)
			}
			if h.Header.Key == ":path" {
				upstream = string(h.Header.RawValue)
			}
		}
		if !st.kind.GoogleShaped() {
			return
		}
		up, q := api.SplitPath(upstream)
		ep, ok := api.Classify(up)
		if !ok || ep.Kind != st.kind || ep.PathModel != st.route.UpstreamModel || api.QueryKey(q) != "" ||
			strings.Contains(q, "alice-key") {
			t.Fatalf("%q forwarded as %q (%+v %v), routed to %q", path, upstream, ep, ok, st.route.UpstreamModel)
		}
		if common.GetBodyMutation() != nil {
			t.Fatalf("%q: the body was changed", path)
		}
	})
}
