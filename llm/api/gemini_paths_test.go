package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestClassifyGemini(t *testing.T) {
	long := strings.Repeat("g", MaxGeminiModelLen)
	for _, tc := range []struct {
		path  string
		ok    bool
		kind  Kind
		model string
		err   string // the refusal's message contains it; "" = no refusal
	}{
		{"/v1beta/models/gemini-2.5-pro:generateContent", true, GeminiGenerateContent, "gemini-2.5-pro", ""},
		{"/v1beta/models/gemini-2.5-pro:streamGenerateContent", true, GeminiStreamGenerateContent, "gemini-2.5-pro", ""},
		{"/v1beta/models/gemini-2.5-flash:countTokens", true, GeminiCountTokens, "gemini-2.5-flash", ""},
		{"/v1/models/gemini-2.5-pro:generateContent", true, GeminiGenerateContent, "gemini-2.5-pro", ""},
		{"/v1beta/models/gemini-2.5-pro%40001:generateContent", true, GeminiGenerateContent, "gemini-2.5-pro@001", ""},
		{"/v1beta/models/" + long + ":generateContent", true, GeminiGenerateContent, long, ""},
		// Bad input: the path is Gemini's, the model is refused with a 400.
		{"/v1beta/models/:generateContent", true, GeminiGenerateContent, "", "is empty"},
		{"/v1beta/models/" + long + "g:generateContent", true, GeminiGenerateContent, "", "longer than 256 bytes"},
		{"/v1beta/models/" + strings.Repeat("%67", MaxGeminiModelLen+1) + ":countTokens", true, GeminiCountTokens, "", "longer than 256 bytes"},
		{"/v1beta/models/" + strings.Repeat("g", 4*MaxGeminiModelLen) + ":countTokens", true, GeminiCountTokens, "", "longer than 256 bytes"},
		{"/v1beta/models/..:generateContent", true, GeminiGenerateContent, "", "'..'"},
		{"/v1beta/models/gemini..pro:generateContent", true, GeminiGenerateContent, "", "'..'"},
		{"/v1beta/models/%2E%2E:generateContent", true, GeminiGenerateContent, "", "'..'"},
		{"/v1beta/models/a%2Fb:generateContent", true, GeminiGenerateContent, "", "%2F"},
		{"/v1beta/models/a%2fb:generateContent", true, GeminiGenerateContent, "", "%2F"},
		{"/v1beta/models/../../files/x:generateContent", true, GeminiGenerateContent, "", "'/'"},
		{"/v1beta/models/a/b:streamGenerateContent", true, GeminiStreamGenerateContent, "", "'/'"},
		{"/v1beta/models/a%20b:generateContent", true, GeminiGenerateContent, "", "printable"},
		{"/v1beta/models/a%00b:generateContent", true, GeminiGenerateContent, "", "printable"},
		{"/v1beta/models/a%C3%A9:generateContent", true, GeminiGenerateContent, "", "printable"},
		{"/v1beta/models/a%ZZ:generateContent", true, GeminiGenerateContent, "", "escaped"},
		{"/v1beta/models/a:b:generateContent", true, GeminiGenerateContent, "", "':'"},
		// Not Gemini's, or not served: tollgate's 404.
		{"/v1beta/models/gemini-2.5-pro", false, Unknown, "", ""},
		{"/v1beta/models", false, Unknown, "", ""},
		{"/v1beta/models/gemini-2.5-pro:embedContent", false, Unknown, "", ""},
		{"/v1beta/models/gemini-2.5-pro:GenerateContent", false, Unknown, "", ""},
		{"/v1beta/tunedModels/x:generateContent", false, Unknown, "", ""},
		{"/v1beta1/models/gemini-2.5-pro:generateContent", false, Unknown, "", ""},
		{"/v2/models/gemini-2.5-pro:generateContent", false, Unknown, "", ""},
	} {
		ep, ok := Classify(tc.path)
		if ok != tc.ok || ep.Kind != tc.kind || ep.PathModel != tc.model {
			t.Errorf("Classify(%q) = %+v, %v; want %v %q %v", tc.path, ep, ok, tc.kind, tc.model, tc.ok)
			continue
		}
		switch {
		case tc.err == "" && ep.Err != nil:
			t.Errorf("Classify(%q): refused: %v", tc.path, ep.Err)
		case tc.err != "" && ep.Err == nil:
			t.Errorf("Classify(%q): not refused, want %q", tc.path, tc.err)
		case tc.err != "" && (ep.Err.Status != http.StatusBadRequest || !strings.Contains(ep.Err.Message, tc.err)):
			t.Errorf("Classify(%q): %v, want a 400 saying %q", tc.path, ep.Err, tc.err)
		}
	}
}

func TestGeminiKinds(t *testing.T) {
	for _, k := range []Kind{GeminiGenerateContent, GeminiStreamGenerateContent, GeminiCountTokens} {
		if !k.GoogleShaped() || k.AnthropicShaped() {
			t.Errorf("%v: GoogleShaped %v AnthropicShaped %v", k, k.GoogleShaped(), k.AnthropicShaped())
		}
		if !strings.HasPrefix(k.String(), "gemini_") || k.GeminiMethod() == "" {
			t.Errorf("%v: name %q method %q", k, k.String(), k.GeminiMethod())
		}
	}
	if !GeminiCountTokens.CountsTokens() || GeminiGenerateContent.CountsTokens() {
		t.Error("CountsTokens")
	}
	for _, k := range []Kind{Unknown, OpenAIChat, AnthropicMessages, VertexRawPredict} {
		if k.GoogleShaped() || k.GeminiMethod() != "" {
			t.Errorf("%v is Google shaped", k)
		}
	}
	if GeminiVersion("/v1/models/x:countTokens") != "v1" || GeminiVersion("/v1beta/models/x:countTokens") != "v1beta" ||
		GeminiVersion("/v1/messages") != "" {
		t.Error("GeminiVersion")
	}
}

func TestGoogleStylePath(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1beta/models/x:embedContent":  true,
		"/v1beta/models":                 true,
		"/v1beta1/projects/p":            true,
		"/v1/models/x:batchEmbedContent": true,
		"/v1/models/gpt-4.1":             false, // OpenAI's models.retrieve
		"/v1/models":                     false,
		"/v1/embeddings":                 false,
	} {
		if GoogleStylePath(path) != want {
			t.Errorf("GoogleStylePath(%q) = %v", path, !want)
		}
	}
}

func TestQueryKey(t *testing.T) {
	for _, tc := range []struct{ query, key, stripped string }{
		{"alt=sse&key=abc", "abc", "alt=sse"},
		{"key=abc&alt=sse", "abc", "alt=sse"},
		{"key=a%2Bb%3D&alt=sse", "a+b=", "alt=sse"},
		{"k%65y=abc&alt=sse", "abc", "alt=sse"},
		{"key=1&key=2", "1", ""},
		{"alt=sse", "", "alt=sse"},
		{"alt=sse&keys=x&monkey=y", "", "alt=sse&keys=x&monkey=y"},
		{"a=%zz&key=k&&b", "k", "a=%zz&&b"},
		{"key", "", ""},
		{"", "", ""},
		{"key=%zz", "", ""},
	} {
		if got := QueryKey(tc.query); got != tc.key {
			t.Errorf("QueryKey(%q) = %q, want %q", tc.query, got, tc.key)
		}
		if got := StripQueryKey(tc.query); got != tc.stripped {
			t.Errorf("StripQueryKey(%q) = %q, want %q", tc.query, got, tc.stripped)
		}
	}
}

func TestGoogleErrorShape(t *testing.T) {
	for status, want := range map[int]string{
		400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		405: "UNIMPLEMENTED", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 426: "FAILED_PRECONDITION",
		429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 418: "UNKNOWN",
	} {
		e := &Error{Status: status, Message: `model "x" <is> not served`, Type: "invalid_request_error"}
		var got struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Status  string `json:"status"`
			} `json:"error"`
		}
		body := e.Body(GeminiStreamGenerateContent)
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%d: %s: %v", status, body, err)
		}
		if got.Error.Code != status || got.Error.Status != want || got.Error.Message != e.Message {
			t.Errorf("%d: %s, want status %s", status, body, want)
		}
	}
	if got := string(Errorf(404, "m").Body(GeminiCountTokens)); got != `{"error":{"code":404,"message":"m","status":"NOT_FOUND"}}` {
		t.Errorf("body %s", got)
	}
}
