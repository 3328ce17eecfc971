package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClassify feeds arbitrary request paths to the path parser. It must never panic,
// and what it accepts must be safe to route and to put back into an upstream path:
//   - a Gemini path either carries a model or a 400 refusal, never both;
//   - an accepted Gemini model is non-empty, at most MaxGeminiModelLen bytes, printable
//     ASCII, and holds no "/", ":" or "..";
//   - escaped again into a Gemini path, it classifies to the same kind and model;
//   - Bedrock and Vertex models are non-empty and valid UTF-8 or refused.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"/v1beta/models/gemini-2.5-pro:generateContent",
		"/v1beta/models/gemini-2.5-pro:streamGenerateContent",
		"/v1/models/gemini-2.5-flash:countTokens",
		"/v1beta/models/:generateContent",
		"/v1beta/models/..:generateContent",
		"/v1beta/models/a%2Fb:generateContent",
		"/v1beta/models/%2e%2e%2f%2e%2e:countTokens",
		"/v1beta/models/a%00:countTokens",
		"/v1beta/models/a:b:generateContent",
		"/v1beta/models/" + strings.Repeat("x", 300) + ":generateContent",
		"/v1beta/models/gemini",
		"/model/jp.anthropic.claude-x-v1%3A0/invoke",
		"/v1/projects/p/locations/global/publishers/anthropic/models/claude-x:streamRawPredict",
		"/v1/messages",
		"/v1/models",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		ep, ok := Classify(path)
		GoogleStylePath(path)
		if !ok {
			if ep != (Endpoint{}) {
				t.Fatalf("refused %q with a non-empty endpoint %+v", path, ep)
			}
			return
		}
		if !ep.Kind.GoogleShaped() {
			if ep.Err != nil {
				t.Fatalf("%q: a refusal outside Gemini: %v", path, ep.Err)
			}
			return
		}
		if ep.Err != nil {
			if ep.PathModel != "" || ep.Err.Status != http.StatusBadRequest {
				t.Fatalf("%q: refusal %v with model %q", path, ep.Err, ep.PathModel)
			}
			return
		}
		m := ep.PathModel
		if m == "" || len(m) > MaxGeminiModelLen || strings.ContainsAny(m, "/:") || strings.Contains(m, "..") ||
			!utf8.ValidString(m) {
			t.Fatalf("%q: accepted model %q", path, m)
		}
		for i := 0; i < len(m); i++ {
			if m[i] <= ' ' || m[i] >= 0x7f {
				t.Fatalf("%q: accepted model %q with byte %#x", path, m, m[i])
			}
		}
		again := "/" + GeminiVersion(path) + "/models/" + url.PathEscape(m) + ":" + ep.Kind.GeminiMethod()
		if ep2, ok := Classify(again); !ok || ep2.Kind != ep.Kind || ep2.PathModel != m || ep2.Err != nil {
			t.Fatalf("%q → model %q → %q → %+v %v", path, m, again, ep2, ok)
		}
	})
}

// FuzzQueryKey: the client's key never survives StripQueryKey, which is idempotent and
// leaves a query without a key parameter untouched.
func FuzzQueryKey(f *testing.F) {
	for _, s := range []string{"alt=sse&key=abc", "k%65y=x", "key=%zz&alt=sse", "a&&key=1&key=2&", "", "key"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s := StripQueryKey(q)
		if QueryKey(s) != "" || StripQueryKey(s) != s {
			t.Fatalf("StripQueryKey(%q) = %q still has a key", q, s)
		}
		if v, err := url.ParseQuery(s); err == nil && v.Has("key") {
			t.Fatalf("StripQueryKey(%q) = %q: url.ParseQuery finds key", q, s)
		}
		if !strings.Contains(q, "key") && !strings.Contains(q, "%") && s != q {
			t.Fatalf("StripQueryKey(%q) = %q changed a query without key", q, s)
		}
		if len(s) > len(q) {
			t.Fatalf("StripQueryKey grew %q to %q", q, s)
		}
	})
}
