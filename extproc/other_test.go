package extproc_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tidwall/gjson"
)

// TestOtherEndpointsRouteByModel: a POST under /v1/ that tollgate does not know is routed
// by its body's model like a known endpoint: authenticated, the model rewritten in place,
// the provider's credential injected and the client's removed, the path and query kept
// (anthropic, openai) or mapped (azure_openai v1).
func TestOtherEndpointsRouteByModel(t *testing.T) {
	f := newFixture(t, "testdata/other.yaml")
	for _, tc := range []struct {
		name, path, body, provider, wantPath, wantModel string
		wantSet                                         map[string]string
	}{
		{name: "codex compact to openai", path: "/v1/responses/compact?trace=1",
			body:     `{"model":"gpt-5.2-codex","input":[{"type":"message","role":"user","content":"hi"}],"instructions":"be brief"}`,
			provider: "openai", wantModel: "gpt-5.2-codex",
			wantSet: map[string]string{"authorization": "Bearer sk-openai-provider"}},
		{name: "input_tokens to openai", path: "/v1/responses/input_tokens",
			body: `{"model":"gpt-5.2","input":"x"}`, provider: "openai", wantModel: "gpt-5.2",
			wantSet: map[string]string{"authorization": "Bearer sk-openai-provider"}},
		{name: "a future messages sub-path to anthropic", path: "/v1/messages/summarize?beta=true",
			body: `{"model":"claude-opus-4-7","messages":[]}`, provider: "anthropic", wantModel: "claude-opus-4-7",
			wantSet: map[string]string{"x-api-key": "sk-ant-provider", "anthropic-version": "2023-06-01"}},
		{name: "azure v1 maps under /openai/v1/", path: "/v1/responses/compact?trace=1",
			body: `{"model":"gpt-v1","input":"x"}`, provider: "azure-v1", wantModel: "gpt-v1-deploy",
			wantPath: "/openai/v1/responses/compact?trace=1",
			wantSet:  map[string]string{"api-key": "azure-v1-key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			body := []byte(tc.body)
			hr := ex.send(post(tc.path, body, "authorization", "Bearer "+aliceKey, "x-api-key", aliceKey))
			if hr.GetRequestHeaders() == nil {
				t.Fatalf("request headers answered: %v", hr.GetImmediateResponse())
			}
			m := mutationOf(t, ex.send(requestBody(body)))
			if got := m.set["x-tollgate-provider"]; got != tc.provider {
				t.Fatalf("provider = %q, want %q", got, tc.provider)
			}
			if got, ok := m.set[":path"]; got != tc.wantPath || (tc.wantPath == "" && ok) {
				t.Errorf(":path = %q (set %v), want %q", got, ok, tc.wantPath)
			}
			for k, v := range tc.wantSet {
				if m.set[k] != v {
					t.Errorf("%s = %q, want %q", k, m.set[k], v)
				}
			}
			for _, k := range []string{"authorization", "x-api-key", "api-key", "x-goog-api-key"} {
				if _, set := m.set[k]; !set && !m.removed[k] {
					t.Errorf("client credential %s neither removed nor replaced", k)
				}
				if strings.Contains(m.set[k], aliceKey) {
					t.Errorf("client key forwarded in %s", k)
				}
			}
			sent := body
			if m.hasBody {
				sent = m.body
			}
			want := bytes.Replace(body, []byte(gjson.GetBytes(body, "model").Raw), []byte(strconv.Quote(tc.wantModel)), 1)
			if !bytes.Equal(sent, want) {
				t.Errorf("body changed beyond the model:\n got %s\nwant %s", sent, want)
			}
		})
	}
}

// TestOtherEndpointErrors: an endpoint tollgate does not know without a string model is
// a 400, and a provider type that cannot forward it a 404 naming the path and the type,
// each in the client's shape (from the path).
func TestOtherEndpointErrors(t *testing.T) {
	bedrockEnv(t)
	f := newFixture(t, "testdata/other.yaml")
	for _, tc := range []struct {
		name, path, body, shape string
		status                  int
		contains                []string
	}{
		{"no model", "/v1/responses/compact", `{"input":"x"}`, "openai", 400, []string{"model"}},
		{"model not a string", "/v1/messages/new", `{"model":7}`, "anthropic", 400, []string{"string"}},
		{"model an object", "/v1/embeddings", `{"model":{"id":"gpt-5"}}`, "openai", 400, []string{"string"}},
		{"not JSON", "/v1/responses/compact", `model=gpt-5`, "openai", 400, []string{"JSON"}},
		{"unrouted model", "/v1/responses/compact", `{"model":"llama-3"}`, "openai", 404, []string{"llama-3"}},
		{"azure classic cannot", "/v1/responses/compact", `{"model":"gpt-classic"}`, "openai", 404,
			[]string{"/v1/responses/compact", "azure_openai"}},
		{"bedrock cannot", "/v1/messages/new-thing", `{"model":"claude-on-bedrock","messages":[]}`, "anthropic", 404,
			[]string{"/v1/messages/new-thing", "bedrock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			resp := ex.send(post(tc.path, []byte(tc.body), "x-api-key", aliceKey))
			if resp.GetImmediateResponse() == nil {
				resp = ex.send(requestBody([]byte(tc.body)))
			}
			ir := immediateOf(t, resp)
			if int(ir.Status.Code) != tc.status {
				t.Errorf("status %d, want %d: %s", ir.Status.Code, tc.status, ir.Body)
			}
			for _, c := range tc.contains {
				checkErrorShape(t, ir.Body, tc.shape, c)
			}
		})
	}
	// A GET to such a path is not routed: there is no body to read a model from.
	ex := f.open(t)
	defer ex.close()
	ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "GET", ":path", "/v1/responses/compact", "x-api-key", aliceKey)))
	if ir.Status.Code != 404 {
		t.Errorf("GET: status %d", ir.Status.Code)
	}
}

// TestOtherEndpointMetering: the answer of an endpoint tollgate does not know is metered
// from whichever known usage shape it has; one with no usage counts as unmetered.
func TestOtherEndpointMetering(t *testing.T) {
	f := newFixture(t, "testdata/other.yaml")
	for _, tc := range []struct {
		name, path, model, ctype, body string
		input, output                  float64
		unmetered                      bool
	}{
		{name: "compact JSON, Responses usage", path: "/v1/responses/compact", model: "gpt-5.2-codex", ctype: "application/json",
			body:  `{"id":"cmp_1","object":"response.compaction","output":[{"type":"compaction","id":"cmp_i","encrypted_content":"e"}],"usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":200},"output_tokens":300,"total_tokens":1500}}`,
			input: 1000, output: 300},
		{name: "SSE, usage in response.completed", path: "/v1/responses/stream-thing", model: "gpt-5.2", ctype: "text/event-stream",
			body:  "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":40,\"output_tokens\":2,\"total_tokens\":42}}}\n\n",
			input: 40, output: 2},
		{name: "anthropic usage", path: "/v1/messages/new", model: "claude-opus-4-7", ctype: "application/json",
			body: `{"type":"message","usage":{"input_tokens":11,"output_tokens":3}}`, input: 11, output: 3},
		{name: "no usage at all", path: "/v1/embeddings", model: "gpt-embed", ctype: "application/json",
			body: `{"object":"list","data":[]}`, unmetered: true},
		{name: "binary answer", path: "/v1/audio/speech", model: "gpt-tts", ctype: "audio/mpeg", body: "ID3", unmetered: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := "openai"
			if strings.HasPrefix(tc.model, "claude") {
				prov = "anthropic"
			}
			kind := map[string]string{"/v1/messages/new": "anthropic_other", "/v1/embeddings": "openai_other", "/v1/audio/speech": "openai_other"}[tc.path]
			if kind == "" {
				kind = "openai_responses_other"
			}
			before := testutil.ToFloat64(f.metrics.UnmeteredResponses.WithLabelValues(prov, kind))
			ex := f.open(t)
			defer ex.close()
			reqBody := []byte(`{"model":"` + tc.model + `"}`)
			ex.send(post(tc.path, reqBody, "x-api-key", aliceKey))
			ex.send(requestBody(reqBody))
			rh := ex.send(responseHeaders(false, ":status", "200", "content-type", tc.ctype))
			var view clientView
			if mo := rh.GetModeOverride(); mo != nil {
				view.take(t, ex.send(responseBody([]byte(tc.body), true)), []byte(tc.body))
			} else if md := rh.GetDynamicMetadata(); md == nil {
				t.Fatal("a body not read must finish at the headers")
			}
			ex.close()
			if !tc.unmetered {
				if view.md["input_tokens"] != tc.input || view.md["output_tokens"] != tc.output {
					t.Errorf("metadata %v, want input %v output %v", view.md, tc.input, tc.output)
				}
			}
			want := before
			if tc.unmetered {
				want++
			}
			waitForCount(t, func() float64 {
				return testutil.ToFloat64(f.metrics.UnmeteredResponses.WithLabelValues(prov, kind))
			}, want)
		})
	}
}
