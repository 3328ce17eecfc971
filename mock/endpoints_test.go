package mock

import (
	"net/url"
	"testing"
)

// TestEveryEndpointHasAWireCase: an API registered without a case in wireCases would
// escape TestWireUsageMatchesExtractor, which proves tollgate meters what the mock
// reports. (count_tokens, never streamed and never metered, is tested apart.)
func TestEveryEndpointHasAWireCase(t *testing.T) {
	covered := map[string]bool{"/v1/messages/count_tokens": true, "countTokens": true}
	for _, wc := range wireCases() {
		paths := map[string]bool{wc.path: false}
		if wc.streamPath != "" {
			paths[wc.streamPath] = true
		}
		for p, stream := range paths {
			u, err := url.Parse(p)
			if err != nil {
				t.Fatal(err)
			}
			kind := wc.kind
			if stream {
				kind = wc.streamKind
			}
			e, ok := endpoints[u.Path]
			if !ok {
				e, _, ok = modelEndpoint(u.Path)
				covered[e.kind.GeminiMethod()] = ok
			}
			covered[u.Path] = true
			if !ok || e.kind != kind {
				t.Errorf("wire case %s: registered %+v", p, e)
			}
		}
	}
	for path, e := range endpoints {
		if !covered[path] {
			t.Errorf("endpoint %s (%s) has no wire case", path, e.kind)
		}
		if len(promptFields[e.kind.String()]) == 0 {
			t.Errorf("endpoint %s has no prompt fields", path)
		}
	}
	for method, e := range modelEndpoints {
		if !covered[method] {
			t.Errorf("model method %s (%s) has no wire case", method, e.kind)
		}
		if len(promptFields[e.kind.String()]) == 0 {
			t.Errorf("model method %s has no prompt fields", method)
		}
	}
}

func TestModelEndpoint(t *testing.T) {
	for path, want := range map[string]string{
		"/v1beta/models/gemini-2.5-pro:streamGenerateContent":                                     "gemini-2.5-pro",
		"/v1/models/gemini-2.5-pro:countTokens":                                                   "gemini-2.5-pro",
		"/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-pro:generateContent": "gemini-2.5-pro",
		"/v1/projects/p/locations/global/publishers/anthropic/models/claude:generateContent":      "",
		"/v1beta/models/gemini-2.5-pro:embedContent":                                              "",
		"/v1beta/models/:generateContent":                                                         "",
		"/v1beta/models/a/b:generateContent":                                                      "",
		"/v2/models/gemini:generateContent":                                                       "",
	} {
		_, model, ok := modelEndpoint(path)
		if model != want || ok != (want != "") {
			t.Errorf("modelEndpoint(%q) = %q %v, want %q", path, model, ok, want)
		}
	}
}
