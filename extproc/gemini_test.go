package extproc_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

// geminiFixture serves testdata/gemini.yaml, its vertex provider's Google credentials
// from a fake token endpoint.
func geminiFixture(t *testing.T) *fixture {
	t.Helper()
	ts := httptest.NewServer(&fakeGoogleTokenEndpoint{})
	t.Cleanup(ts.Close)
	isolateCloud(t)
	googleServiceAccount(t, ts.URL+"/token")
	return newFixture(t, "testdata/gemini.yaml")
}

const geminiBody = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`

// TestGeminiRouting: the model in a Gemini path goes through the rules; the gemini type
// gets the native endpoint and its key in x-goog-api-key, the vertex type Vertex AI's
// publishers/google path and a token from Google ADC. The client's key (header or
// ?key=) never goes upstream, alt=sse stays, the body passes untouched.
func TestGeminiRouting(t *testing.T) {
	f := geminiFixture(t)
	const vertexBase = "/v1/projects/my-proj/locations/global/publishers/google/models/"
	for _, tc := range []struct {
		name, path string
		hdr        []string
		provider   string
		wantPath   string
		wantCred   [2]string
	}{
		{"gemini stream, key in x-goog-api-key", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
			[]string{"x-goog-api-key", aliceKey}, "gemini",
			"/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", [2]string{"x-goog-api-key", "gemini-provider-key"}},
		{"gemini, key in ?key= only", "/v1beta/models/gemini-2.5-pro:generateContent?key=" + aliceKey,
			nil, "gemini",
			"/v1beta/models/gemini-2.5-pro:generateContent", [2]string{"x-goog-api-key", "gemini-provider-key"}},
		{"gemini stream, ?key= before alt=sse", "/v1beta/models/gemini-3-pro-preview:streamGenerateContent?key=" + aliceKey + "&alt=sse",
			nil, "gemini",
			"/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse", [2]string{"x-goog-api-key", "gemini-provider-key"}},
		{"gemini v1 countTokens, the same key in header and query", "/v1/models/gemini-2.5-pro:countTokens?key=" + aliceKey,
			[]string{"x-goog-api-key", aliceKey}, "gemini",
			"/v1/models/gemini-2.5-pro:countTokens", [2]string{"x-goog-api-key", "gemini-provider-key"}},
		{"gemini, bearer key (GEMINI_API_KEY_AUTH_MECHANISM=bearer)", "/v1beta/models/gemini-2.5-pro:generateContent",
			[]string{"authorization", "Bearer " + aliceKey}, "gemini",
			"/v1beta/models/gemini-2.5-pro:generateContent", [2]string{"x-goog-api-key", "gemini-provider-key"}},
		{"vertex stream", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=" + aliceKey,
			nil, "vertex",
			vertexBase + "gemini-2.5-flash:streamGenerateContent?alt=sse", [2]string{"authorization", "Bearer " + googleToken}},
		{"vertex countTokens", "/v1beta/models/gemini-2.5-flash:countTokens",
			[]string{"x-goog-api-key", aliceKey}, "vertex",
			vertexBase + "gemini-2.5-flash:countTokens", [2]string{"authorization", "Bearer " + googleToken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			body := []byte(geminiBody)
			if hr := ex.send(post(tc.path, body, tc.hdr...)); hr.GetRequestHeaders() == nil {
				t.Fatalf("request headers answered with %T: %s", hr.Response, hr.GetImmediateResponse().GetBody())
			}
			resp := ex.send(requestBody(body))
			if ir := resp.GetImmediateResponse(); ir != nil {
				t.Fatalf("refused: %d %s", ir.Status.Code, ir.Body)
			}
			m := mutationOf(t, resp)
			if m.set["x-tollgate-provider"] != tc.provider || !m.clearCache {
				t.Errorf("provider %q (clear cache %v), want %q", m.set["x-tollgate-provider"], m.clearCache, tc.provider)
			}
			if m.set[":path"] != tc.wantPath {
				t.Errorf(":path %q, want %q", m.set[":path"], tc.wantPath)
			}
			if m.set[tc.wantCred[0]] != tc.wantCred[1] {
				t.Errorf("%s = %q, want the provider's credential", tc.wantCred[0], m.set[tc.wantCred[0]])
			}
			for _, k := range []string{"authorization", "x-api-key", "api-key", "x-goog-api-key"} {
				if _, set := m.set[k]; !set && !m.removed[k] {
					t.Errorf("client credential header %s neither removed nor replaced", k)
				}
			}
			for k, v := range m.set {
				if strings.Contains(v, aliceKey) {
					t.Errorf("the client's key went upstream in %s: %q", k, v)
				}
			}
			if m.hasBody && !bytes.Equal(m.body, body) {
				t.Errorf("body changed: %s", m.body)
			}
			if cl := m.set["content-length"]; cl != strconv.Itoa(len(body)) {
				t.Errorf("content-length %q, the body is %d bytes", cl, len(body))
			}
		})
	}
}

// googleError decodes Google's error shape strictly: {"error":{"code","message","status"}}.
func googleError(t *testing.T, body []byte) (code int, message, status string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("not Google's error shape: %s (%v)", body, err)
	}
	return e.Error.Code, e.Error.Message, e.Error.Status
}

// TestGeminiErrors: every error tollgate itself answers on a Gemini path is in Google's
// shape with the right HTTP status, including the bad inputs of a path's model.
func TestGeminiErrors(t *testing.T) {
	f := geminiFixture(t)
	const gen = ":generateContent"
	big := `{"contents":[{"parts":[{"text":"` + strings.Repeat("x", 5000) + `"}]}]}`
	for _, tc := range []struct {
		name, method, path string
		hdr                []string
		body               string // "" = no body
		status             int
		gstatus, contains  string
	}{
		{"no key", "POST", "/v1beta/models/gemini-2.5-pro" + gen, nil, geminiBody, 401, "UNAUTHENTICATED", "API key"},
		{"wrong ?key=", "POST", "/v1beta/models/gemini-2.5-pro" + gen + "?key=nope", nil, geminiBody, 401, "UNAUTHENTICATED", "API key"},
		{"empty x-goog-api-key", "POST", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", ""}, geminiBody, 401, "UNAUTHENTICATED", "API key"},
		{"two different keys", "POST", "/v1beta/models/gemini-2.5-pro" + gen + "?key=other", []string{"x-goog-api-key", aliceKey}, geminiBody, 401, "UNAUTHENTICATED", "two different"},
		{"unknown model", "POST", "/v1beta/models/llama-3" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 404, "NOT_FOUND", `"llama-3"`},
		{"empty model", "POST", "/v1beta/models/" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "empty"},
		{"over-long model", "POST", "/v1beta/models/gemini-" + strings.Repeat("9", 300) + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "256 bytes"},
		{"dot-dot model", "POST", "/v1beta/models/gemini-..-pro" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "'..'"},
		{"escaped slash", "POST", "/v1beta/models/gemini%2F..%2Ffiles" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "%2F"},
		{"bad model before a good key is a 401", "POST", "/v1beta/models/%2F" + gen, nil, geminiBody, 401, "UNAUTHENTICATED", "API key"},
		{"method tollgate does not serve", "POST", "/v1beta/models/gemini-2.5-pro:embedContent", []string{"x-goog-api-key", aliceKey}, geminiBody, 404, "NOT_FOUND", "embedContent"},
		{"models.list", "GET", "/v1beta/models", []string{"x-goog-api-key", aliceKey}, "", 404, "NOT_FOUND", "/v1beta/models"},
		{"wrong method", "GET", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", aliceKey}, "", 405, "UNIMPLEMENTED", "POST"},
		{"body over the limit", "POST", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", aliceKey}, big, 413, "INVALID_ARGUMENT", "limit"},
		{"wrong content type", "POST", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", aliceKey, "content-type", "text/plain"}, geminiBody, 415, "INVALID_ARGUMENT", "application/json"},
		{"empty body", "POST", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", aliceKey}, "", 400, "INVALID_ARGUMENT", "empty"},
		{"invalid JSON", "POST", "/v1beta/models/gemini-2.5-pro" + gen, []string{"x-goog-api-key", aliceKey}, `{"contents":`, 400, "INVALID_ARGUMENT", "JSON"},
		{"routed to an anthropic provider", "POST", "/v1beta/models/claude-sonnet-4-5" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "type anthropic"},
		{"a Claude model on vertex", "POST", "/v1beta/models/claude-on-vertex" + gen, []string{"x-goog-api-key", aliceKey}, geminiBody, 400, "INVALID_ARGUMENT", "Google models only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			hdr := []string{":method", tc.method, ":path", tc.path}
			if !strings.Contains(strings.Join(tc.hdr, " "), "content-type") {
				hdr = append(hdr, "content-type", "application/json")
			}
			resp := ex.send(requestHeaders(tc.body == "", append(hdr, tc.hdr...)...))
			if resp.GetImmediateResponse() == nil {
				resp = ex.send(requestBody([]byte(tc.body)))
			}
			ir := immediateOf(t, resp)
			code, msg, status := googleError(t, ir.Body)
			if int(ir.Status.Code) != tc.status || code != tc.status || status != tc.gstatus {
				t.Errorf("HTTP %d, body code %d status %s; want %d %s", ir.Status.Code, code, status, tc.status, tc.gstatus)
			}
			if !strings.Contains(msg, tc.contains) {
				t.Errorf("message %q does not mention %q", msg, tc.contains)
			}
			if strings.Contains(msg, aliceKey) {
				t.Errorf("message echoes the key: %q", msg)
			}
		})
	}
}

// TestGeminiCredentialsDown: Vertex's credential source failing is a 503 in Google's shape.
func TestGeminiCredentialsDown(t *testing.T) {
	isolateCloud(t)
	f := newFixture(t, "testdata/gemini.yaml")
	ex := f.open(t)
	defer ex.close()
	body := []byte(geminiBody)
	ex.send(post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", body, "x-goog-api-key", aliceKey))
	ir := immediateOf(t, ex.send(requestBody(body)))
	if code, msg, status := googleError(t, ir.Body); ir.Status.Code != 503 || code != 503 || status != "UNAVAILABLE" ||
		!strings.Contains(msg, `"vertex"`) {
		t.Errorf("%d %s", ir.Status.Code, ir.Body)
	}
}

// TestGeminiStreamMetered: a Gemini stream is metered from its last usageMetadata
// (the split-at-every-offset test covers the fixture through core.yaml), labelled with
// the client's model, timed to its first content, and its cost counted.
func TestGeminiStreamMetered(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	fx := geminiFixtureNamed(t, "gemini_stream")
	body, _ := fx.Body()
	_, md, mode := replay(t, f, api.GeminiStreamGenerateContent, fx.ContentType, "", [][]byte{body[:100], body[100:]}, true)
	if mode != extprocfilterv3.ProcessingMode_STREAMED {
		t.Errorf("mode %v", mode)
	}
	checkMetadata(t, "gemini stream", md, fx.Usage)
	if md["cost_usd"] <= 0 {
		t.Errorf("cost_usd %v: gemini-2.5-pro is priced (gemini/gemini-2.5-pro)", md["cost_usd"])
	}
	if got := testutil.ToFloat64(f.metrics.ReasoningTokens.WithLabelValues("platform", "gemini-2.5-pro", "gemini")); got != float64(fx.Usage.Reasoning) {
		t.Errorf("reasoning tokens %v, want %d", got, fx.Usage.Reasoning)
	}
	if n := testutil.CollectAndCount(f.metrics.GenAITTFT); n != 1 {
		t.Errorf("%d time-to-first-token series, want 1", n)
	}
	if got := testutil.ToFloat64(f.metrics.CostUSD.WithLabelValues("platform", "gemini-2.5-pro", "gemini")); got != md["cost_usd"] {
		t.Errorf("cost counter %v, metadata %v", got, md["cost_usd"])
	}
}

// TestGeminiStreamWithoutSSE: streamGenerateContent without alt=sse answers one JSON
// array that grows chunk by chunk; it reaches the client STREAMED, unchanged, and is
// metered whole at its end.
func TestGeminiStreamWithoutSSE(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	arr := []byte("[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"}}],\"usageMetadata\":{\"promptTokenCount\":40,\"candidatesTokenCount\":1}}\n,\r\n" +
		"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":40,\"cachedContentTokenCount\":32,\"candidatesTokenCount\":2,\"thoughtsTokenCount\":6}}\n]")
	body := []byte(geminiBody)
	ex := f.open(t)
	defer ex.close()
	ex.send(post("/v1beta/models/gemini-2.5-pro:streamGenerateContent", body, "x-goog-api-key", aliceKey))
	m := mutationOf(t, ex.send(requestBody(body)))
	if m.set[":path"] != "/v1beta/models/gemini-2.5-pro:streamGenerateContent" {
		t.Errorf(":path %q", m.set[":path"])
	}
	hr := ex.send(responseHeaders(false, ":status", "200", "content-type", "application/json; charset=UTF-8"))
	if mode := hr.GetModeOverride().GetResponseBodyMode(); mode != extprocfilterv3.ProcessingMode_STREAMED {
		t.Fatalf("mode %v, want STREAMED", mode)
	}
	var cv clientView
	for _, c := range [][]byte{arr[:70], arr[70:150], arr[150:]} {
		cv.take(t, ex.send(responseBody(c, false)), c)
	}
	cv.take(t, ex.send(responseBody(nil, true)), nil)
	if !bytes.Equal(cv.body, arr) {
		t.Errorf("client body changed")
	}
	if cv.md["input_tokens"] != 8 || cv.md["cache_read_tokens"] != 32 || cv.md["output_tokens"] != 8 {
		t.Errorf("metadata %v", cv.md)
	}
}

func geminiFixtureNamed(t *testing.T, name string) usagetest.Fixture {
	t.Helper()
	fxs, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		if fx.Name == name {
			return fx
		}
	}
	t.Fatalf("no fixture %s", name)
	return usagetest.Fixture{}
}
