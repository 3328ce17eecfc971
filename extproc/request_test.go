package extproc_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

const aliceKey = "alice-key"

// TestProviderMutations drives each provider type through request headers and body
// as Envoy does and checks the exact mutations.
func TestProviderMutations(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	tests := []struct {
		name      string
		path      string
		body      string
		clientHdr []string
		provider  string
		wantPath  string // "" = unchanged
		wantModel string
		wantSet   map[string]string
		notSet    []string
	}{
		{
			name: "anthropic exact rule with upstream model", path: "/v1/messages?beta=true",
			body:      `{"model":"claude-sonnet-4-5-20250929","max_tokens":1024,"messages":[{"role":"user","content":"hi"}],"x-future-field":{"a":[1,2]}}`,
			clientHdr: []string{"x-api-key", aliceKey, "anthropic-beta", "context-1m-2025-08-07"},
			provider:  "anthropic", wantModel: "claude-sonnet-4-5",
			wantSet: map[string]string{"x-api-key": "sk-ant-provider", "anthropic-version": "2023-06-01"},
		},
		{
			name: "anthropic glob keeps the client's anthropic-version", path: "/v1/messages",
			body:      `{"model":"claude-opus-4-7","max_tokens":10,"messages":[]}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey, "anthropic-version", "2023-01-01"},
			provider:  "anthropic", wantModel: "claude-opus-4-7",
			wantSet: map[string]string{"x-api-key": "sk-ant-provider"},
			notSet:  []string{"anthropic-version"},
		},
		{
			name: "anthropic count_tokens", path: "/v1/messages/count_tokens",
			body:      `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}`,
			clientHdr: []string{"x-api-key", aliceKey},
			provider:  "anthropic", wantModel: "claude-haiku-4-5",
			wantSet: map[string]string{"x-api-key": "sk-ant-provider"},
		},
		{
			name: "openai chat", path: "/v1/chat/completions",
			body:      `{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey},
			provider:  "openai", wantModel: "gpt-4.1",
			wantSet: map[string]string{"authorization": "Bearer sk-openai-provider"},
		},
		{
			name: "openai responses", path: "/v1/responses",
			body:      `{"model":"gpt-5.2","input":"hi","stream":true}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey},
			provider:  "openai", wantModel: "gpt-5.2",
			wantSet: map[string]string{"authorization": "Bearer sk-openai-provider"},
		},
		{
			name: "azure classic chat", path: "/v1/chat/completions",
			body:      `{"model":"gpt-5.1","messages":[]}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey},
			provider:  "azure-east", wantModel: "gpt-51-prod",
			wantPath: "/openai/deployments/gpt-51-prod/chat/completions?api-version=2025-04-01-preview",
			wantSet:  map[string]string{"api-key": "azure-provider-key"},
			notSet:   []string{"authorization"},
		},
		{
			name: "azure classic responses", path: "/v1/responses",
			body:      `{"model":"gpt-5.1","input":"x"}`,
			clientHdr: []string{"api-key", aliceKey},
			provider:  "azure-east", wantModel: "gpt-51-prod",
			wantPath: "/openai/responses?api-version=2025-04-01-preview",
			wantSet:  map[string]string{"api-key": "azure-provider-key"},
		},
		{
			name: "azure v1 with {model} template", path: "/v1/chat/completions",
			body:      `{"model":"gpt-5.1-v1","messages":[]}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey},
			provider:  "azure-v1", wantModel: "gpt-5.1-v1-deploy",
			wantPath: "/openai/v1/chat/completions",
			wantSet:  map[string]string{"api-key": "azure-v1-key"},
		},
		{
			name: "gemini openai-compatible", path: "/v1/chat/completions",
			body:      `{"model":"gemini-2.5-pro","messages":[]}`,
			clientHdr: []string{"authorization", "Bearer " + aliceKey},
			provider:  "gemini", wantModel: "gemini-2.5-pro",
			wantPath: "/v1beta/openai/chat/completions",
			wantSet:  map[string]string{"authorization": "Bearer gemini-provider-key"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			body := []byte(tc.body)
			hr := ex.send(post(tc.path, body, tc.clientHdr...))
			if hr.GetRequestHeaders() == nil {
				t.Fatalf("request headers reply is %T", hr.Response)
			}
			m := mutationOf(t, ex.send(requestBody(body)))
			if !m.clearCache {
				t.Error("clear_route_cache not set")
			}
			if got := m.set["x-tollgate-provider"]; got != tc.provider {
				t.Errorf("x-tollgate-provider = %q, want %q", got, tc.provider)
			}
			if got, ok := m.set[":path"]; tc.wantPath != "" && got != tc.wantPath {
				t.Errorf(":path = %q, want %q", got, tc.wantPath)
			} else if tc.wantPath == "" && ok {
				t.Errorf(":path changed to %q", got)
			}
			for k, v := range tc.wantSet {
				if m.set[k] != v {
					t.Errorf("header %s = %q, want %q", k, m.set[k], v)
				}
			}
			for _, k := range tc.notSet {
				if _, ok := m.set[k]; ok {
					t.Errorf("header %s set, want untouched", k)
				}
			}
			if _, ok := m.set["anthropic-beta"]; ok || m.removed["anthropic-beta"] {
				t.Error("anthropic-beta must pass untouched")
			}
			// The client's credential never goes upstream: every credential header is
			// either removed or overwritten with the provider's.
			for _, k := range []string{"authorization", "x-api-key", "api-key", "x-goog-api-key"} {
				if _, set := m.set[k]; !set && !m.removed[k] {
					t.Errorf("client credential header %s neither removed nor replaced", k)
				}
				if strings.Contains(m.set[k], aliceKey) {
					t.Errorf("client key forwarded in %s", k)
				}
			}
			sent := body
			if m.hasBody {
				sent = m.body
			}
			if got := gjson.GetBytes(sent, "model").Str; got != tc.wantModel {
				t.Errorf("body model = %q, want %q", got, tc.wantModel)
			}
			if cl := m.set["content-length"]; cl != strconv.Itoa(len(sent)) {
				t.Errorf("content-length = %q, body is %d bytes", cl, len(sent))
			}
			// Every byte but the model value is kept.
			orig := gjson.GetBytes(body, "model").Raw
			want := bytes.Replace(body, []byte(orig), []byte(strconv.Quote(tc.wantModel)), 1)
			if !bytes.Equal(sent, want) {
				t.Errorf("body changed beyond the model:\n got %s\nwant %s", sent, want)
			}
		})
	}
}

func TestStreamingChatGetsIncludeUsage(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	for _, tc := range []struct{ body, want string }{
		{`{"model":"gpt-4.1","stream":true,"messages":[]}`, `{"model":"gpt-4.1","stream":true,"messages":[],"stream_options":{"include_usage":true}}`},
		{`{"model":"gpt-4.1","stream":true,"stream_options":{"include_obfuscation":false},"messages":[]}`, `{"model":"gpt-4.1","stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true},"messages":[]}`},
		{`{"model":"gpt-4.1","stream":true,"stream_options":{"include_usage":true},"messages":[]}`, ""},
		{`{"model":"gpt-4.1","messages":[]}`, ""},
	} {
		ex := f.open(t)
		body := []byte(tc.body)
		ex.send(post("/v1/chat/completions", body, "authorization", "Bearer "+aliceKey))
		m := mutationOf(t, ex.send(requestBody(body)))
		ex.close()
		if tc.want == "" {
			if m.hasBody {
				t.Errorf("%s: body rewritten to %s, want untouched", tc.body, m.body)
			}
			continue
		}
		if string(m.body) != tc.want {
			t.Errorf("body = %s\nwant %s", m.body, tc.want)
		}
	}
}

// TestErrors checks each rejection's status and that its body is in the client API's
// own error shape.
func TestErrors(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	big := `{"model":"gpt-4.1","messages":[{"role":"user","content":"` + strings.Repeat("x", 5000) + `"}]}`
	tests := []struct {
		name     string
		method   string
		path     string
		key      []string
		body     string // "" = no body
		status   int
		shape    string // anthropic | openai
		contains string
	}{
		{"no key", "POST", "/v1/messages", nil, `{"model":"claude-x"}`, 401, "anthropic", "API key"},
		{"wrong key", "POST", "/v1/chat/completions", []string{"authorization", "Bearer nope"}, `{"model":"gpt-4.1"}`, 401, "openai", "API key"},
		{"unknown model", "POST", "/v1/messages", []string{"x-api-key", aliceKey}, `{"model":"llama-3"}`, 404, "anthropic", `"llama-3"`},
		{"unknown model openai", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, `{"model":"mistral-large"}`, 404, "openai", `mistral-large`},
		{"missing model", "POST", "/v1/messages", []string{"x-api-key", aliceKey}, `{"max_tokens":1}`, 400, "anthropic", "model"},
		{"model is a number", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, `{"model":42}`, 400, "openai", "string"},
		{"model is an array", "POST", "/v1/responses", []string{"x-api-key", aliceKey}, `{"model":["gpt-4.1"]}`, 400, "openai", "string"},
		{"model is empty", "POST", "/v1/messages", []string{"x-api-key", aliceKey}, `{"model":""}`, 400, "anthropic", "empty"},
		{"invalid json", "POST", "/v1/messages", []string{"x-api-key", aliceKey}, `{"model":"claude-x",`, 400, "anthropic", "JSON"},
		{"json not an object", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, `["model"]`, 400, "openai", "object"},
		{"duplicate model keys", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, `{"model":"gpt-4.1","messages":[],"model":"gpt-5.1"}`, 400, "openai", "more than one"},
		{"escaped duplicate model key", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, `{"model":"gpt-4.1","mod\u0065l":"gpt-5.1"}`, 400, "openai", "more than one"},
		{"unknown path", "POST", "/api/embeddings", []string{"x-api-key", aliceKey}, `{"model":"gpt-4.1"}`, 404, "openai", "/api/embeddings"},
		{"unknown anthropic path", "GET", "/v1/complete", []string{"x-api-key", aliceKey}, "", 404, "anthropic", "/v1/complete"},
		{"wrong method", "GET", "/v1/messages", []string{"x-api-key", aliceKey}, "", 405, "anthropic", "POST"},
		{"body over the limit", "POST", "/v1/chat/completions", []string{"x-api-key", aliceKey}, big, 413, "openai", "limit"},
		{"empty body", "POST", "/v1/messages", []string{"x-api-key", aliceKey}, "", 400, "anthropic", "empty"},
		{"wrong content type", "POST", "/v1/messages", []string{"x-api-key", aliceKey, "content-type", "text/plain"}, `{"model":"claude-x"}`, 415, "anthropic", "application/json"},
		{"api mismatch", "POST", "/v1/messages/count_tokens", []string{"x-api-key", aliceKey}, `{"model":"gpt-4.1"}`, 400, "anthropic", "does not serve"},
		{"responses state on a messages provider", "POST", "/v1/responses", []string{"x-api-key", aliceKey}, `{"model":"claude-x","input":"hi","previous_response_id":"resp_1"}`, 400, "openai", "previous_response_id needs state stored at OpenAI"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			hdr := []string{":method", tc.method, ":path", tc.path}
			if !strings.Contains(strings.Join(tc.key, " "), "content-type") {
				hdr = append(hdr, "content-type", "application/json; charset=utf-8")
			}
			hdr = append(hdr, tc.key...)
			resp := ex.send(requestHeaders(tc.body == "", hdr...))
			if resp.GetImmediateResponse() == nil {
				resp = ex.send(requestBody([]byte(tc.body)))
			}
			ir := immediateOf(t, resp)
			if int(ir.Status.Code) != tc.status {
				t.Errorf("status = %d, want %d", ir.Status.Code, tc.status)
			}
			var got map[string]any
			if err := json.Unmarshal(ir.Body, &got); err != nil {
				t.Fatalf("error body is not JSON: %s", ir.Body)
			}
			e, _ := got["error"].(map[string]any)
			switch tc.shape {
			case "anthropic":
				if got["type"] != "error" || e["type"] == nil || e["message"] == nil {
					t.Errorf("not Anthropic's error shape: %s", ir.Body)
				}
			case "openai":
				if got["type"] != nil || e["type"] == nil || e["message"] == nil || e["code"] == nil {
					t.Errorf("not OpenAI's error shape: %s", ir.Body)
				}
			}
			if msg, _ := e["message"].(string); !strings.Contains(msg, tc.contains) {
				t.Errorf("message %q does not mention %q", msg, tc.contains)
			}
		})
	}
}

func TestListModels(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ex := f.open(t)
	defer ex.close()
	ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-api-key", aliceKey)))
	if ir.Status.Code != 200 {
		t.Fatalf("status %d", ir.Status.Code)
	}
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ir.Body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" {
			t.Errorf("object = %q", m.Object)
		}
	}
	want := "claude-sonnet-4-5-20250929,gpt-5.1,gpt-5.1-v1"
	if list.Object != "list" || strings.Join(ids, ",") != want {
		t.Errorf("models = %v (%s), want %s", ids, list.Object, want)
	}
}
