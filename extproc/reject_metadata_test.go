package extproc_test

import (
	"strings"
	"testing"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// metadataStrings is the string fields of a reply's "tollgate" dynamic metadata (nil
// when the reply has none).
func metadataStrings(resp *extprocv3.ProcessingResponse) map[string]string {
	ns := resp.GetDynamicMetadata().GetFields()["tollgate"].GetStructValue()
	if ns == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range ns.GetFields() {
		out[k] = v.GetStringValue()
	}
	return out
}

// TestRejectionsCarryMetadata: a local reply carries, in its dynamic metadata, what
// tollgate knew of the request when it answered — the team once the key was accepted,
// the model once it was read, the provider once routed — so Envoy's access log line for
// a 404, 413, 503 or 400 names them (Envoy applies an immediate_response's metadata
// before its local reply). A 401 (and a 404 for a path, answered before the key is checked) knows nothing
// and carries nothing.
func TestRejectionsCarryMetadata(t *testing.T) {
	f := limitedFixture(t, "  max_request_body: 4096\n  max_inflight_body_bytes: 5000\n")
	big := `{"model":"gpt-4.1","messages":[{"role":"user","content":"` + strings.Repeat("x", 3000) + `"}]}`
	tests := []struct {
		name   string
		path   string
		key    []string
		body   string
		status int32
		want   map[string]string // nil: no metadata
	}{
		{"401 unknown key", "/v1/messages", []string{"x-api-key", "nope"}, `{"model":"claude-x"}`, 401, nil},
		// A path tollgate does not serve is answered before the key is checked.
		{"404 unknown path", "/v0/embeddings", []string{"x-api-key", aliceKey}, `{"model":"gpt-4.1"}`, 404, nil},
		{"404 unknown model", "/v1/messages", []string{"x-api-key", aliceKey}, `{"model":"llama-3"}`, 404,
			map[string]string{"team": "platform", "model": "llama-3"}},
		{"413 body over the limit", "/v1/chat/completions", []string{"x-api-key", aliceKey}, strings.Repeat(" ", 5000) + `{"model":"gpt-4.1"}`, 413,
			map[string]string{"team": "platform"}},
		{"503 admission", "/v1/chat/completions", []string{"x-api-key", aliceKey}, big, 503, map[string]string{"team": "platform"}},
		{"400 routed, then refused by the provider", "/v1/responses", []string{"x-api-key", aliceKey}, `{"model":"gemini-2.5-pro"}`, 400,
			map[string]string{"team": "platform", "model": "gemini-2.5-pro", "provider": "gemini", "upstream_model": "gemini-2.5-pro"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == 503 {
				// Hold 4000 of the 5000 bytes with a request whose body is not sent yet.
				hold := f.open(t)
				defer hold.close()
				if r := hold.send(announce("/v1/chat/completions", 4000)); r.GetImmediateResponse() != nil {
					t.Fatalf("holding request refused: %v", r)
				}
			}
			ex := f.open(t)
			defer ex.close()
			hdr := append([]string{":method", "POST", ":path", tc.path, "content-type", "application/json"}, tc.key...)
			resp := ex.send(requestHeaders(false, hdr...))
			if resp.GetImmediateResponse() == nil {
				resp = ex.send(requestBody([]byte(tc.body)))
			}
			if got := immediateOf(t, resp).Status.Code; int32(got) != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			got := metadataStrings(resp)
			if tc.want == nil {
				if got != nil {
					t.Fatalf("metadata %v, want none", got)
				}
				return
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("metadata %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if _, ok := got["provider"]; ok && tc.want["provider"] == "" {
				t.Errorf("metadata names a provider for an unrouted request: %v", got)
			}
		})
	}
}

// TestForwardedRequestNamesItsRoute: the reply that forwards a request already names
// team, model, provider and upstream model in the dynamic metadata (Envoy merges each
// reply's metadata), so the access log line of a stream cut before its end still has
// them; the usage comes only with the end of the response.
func TestForwardedRequestNamesItsRoute(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ex := f.open(t)
	defer ex.close()
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":8,"messages":[]}`)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	resp := ex.send(requestBody(body))
	if resp.GetRequestBody() == nil {
		t.Fatalf("reply %T, want the forwarding body reply", resp.Response)
	}
	got := metadataStrings(resp)
	want := map[string]string{"team": "platform", "model": "claude-sonnet-4-5-20250929", "provider": "anthropic", "upstream_model": "claude-sonnet-4-5"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := resp.GetDynamicMetadata().GetFields()["tollgate"].GetStructValue().GetFields()["input_tokens"]; ok {
		t.Error("the forwarding reply reports tokens before any response")
	}
}
