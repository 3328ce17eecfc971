package extproc_test

import (
	"encoding/json"
	"testing"
)

// TestStartupProbes: the connectivity probes Claude Code sends at startup are answered
// at once, with no key and no body; other HEAD requests are not probes.
func TestStartupProbes(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	for _, path := range []string{"/", "/api/hello", "/?x=1"} {
		ex := f.open(t)
		ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "HEAD", ":path", path)))
		ex.close()
		if ir.Status.Code != 200 || len(ir.Body) != 0 {
			t.Errorf("HEAD %s: %d %q", path, ir.Status.Code, ir.Body)
		}
	}
	ex := f.open(t)
	defer ex.close()
	ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "HEAD", ":path", "/v1/messages", "x-api-key", aliceKey)))
	if ir.Status.Code != 405 {
		t.Errorf("HEAD /v1/messages: %d", ir.Status.Code)
	}
}

// TestUpgrades: Codex's WebSocket probe gets 426 in OpenAI's shape (Codex then falls
// back to HTTP at once); an upgrade anywhere else is a 400 in the client's shape; a
// stranger's upgrade is a 401 like any other request.
func TestUpgrades(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ws := []string{"upgrade", "websocket", "connection", "Upgrade", "sec-websocket-version", "13", "sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="}
	for _, tc := range []struct {
		name, method, path string
		key                []string
		extra              []string
		status             int
		shape, typ, code   string
	}{
		{"codex probe", "GET", "/v1/responses", []string{"authorization", "Bearer " + aliceKey}, ws, 426, "openai", "invalid_request_error", "upgrade_required"},
		{"codex probe, mixed case", "GET", "/v1/responses?x=1", []string{"authorization", "Bearer " + aliceKey},
			[]string{"upgrade", "WebSocket"}, 426, "openai", "invalid_request_error", "upgrade_required"},
		{"codex probe without a key", "GET", "/v1/responses", nil, ws, 401, "openai", "invalid_request_error", "invalid_api_key"},
		{"websocket on messages", "GET", "/v1/messages", []string{"x-api-key", aliceKey}, ws, 400, "anthropic", "invalid_request_error", ""},
		{"websocket on chat", "GET", "/v1/chat/completions", []string{"x-api-key", aliceKey}, ws, 400, "openai", "invalid_request_error", "invalid_request"},
		{"websocket on an unknown path", "GET", "/ws", []string{"x-api-key", aliceKey}, ws, 400, "openai", "invalid_request_error", "invalid_request"},
		{"another protocol on responses", "GET", "/v1/responses", []string{"x-api-key", aliceKey}, []string{"upgrade", "h2c"}, 400, "openai", "invalid_request_error", "invalid_request"},
		{"POST with an upgrade", "POST", "/v1/responses", []string{"x-api-key", aliceKey}, ws, 400, "openai", "invalid_request_error", "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := f.open(t)
			defer ex.close()
			hdr := append([]string{":method", tc.method, ":path", tc.path}, tc.key...)
			ir := immediateOf(t, ex.send(requestHeaders(true, append(hdr, tc.extra...)...)))
			if int(ir.Status.Code) != tc.status {
				t.Fatalf("status %d, want %d: %s", ir.Status.Code, tc.status, ir.Body)
			}
			var body struct {
				Type  string `json:"type"`
				Error struct{ Type, Code, Message string }
			}
			if err := json.Unmarshal(ir.Body, &body); err != nil {
				t.Fatal(err)
			}
			if (tc.shape == "anthropic") != (body.Type == "error") || body.Error.Type != tc.typ || body.Error.Code != tc.code {
				t.Errorf("body %s, want %s shape, type %s code %q", ir.Body, tc.shape, tc.typ, tc.code)
			}
		})
	}
}

// TestTwoKeys: apiKeyHelper sends the same key as x-api-key and Authorization: Bearer,
// which is one client; two different keys are refused, whichever is valid.
func TestTwoKeys(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	body := []byte(`{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}`)
	ex := f.open(t)
	hr := ex.send(post("/v1/messages", body, "authorization", "Bearer "+aliceKey, "x-api-key", aliceKey))
	ex.close()
	if hr.GetRequestHeaders() == nil {
		t.Fatalf("same key twice refused: %s", hr.GetImmediateResponse().GetBody())
	}
	for _, hdr := range [][]string{
		{"authorization", "Bearer " + aliceKey, "x-api-key", "someone-else"},
		{"authorization", "Bearer someone-else", "x-api-key", aliceKey},
		{"x-api-key", aliceKey, "api-key", "another"},
	} {
		ex := f.open(t)
		ir := immediateOf(t, ex.send(post("/v1/messages", body, hdr...)))
		ex.close()
		if ir.Status.Code != 401 {
			t.Errorf("%v: status %d", hdr, ir.Status.Code)
		}
		checkErrorShape(t, ir.Body, "anthropic", "two different API keys")
	}
}

// TestMethodNotAllowedIsInvalidRequest: a wrong method is the client's error in its own
// shape, never server_error.
func TestMethodNotAllowedIsInvalidRequest(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ex := f.open(t)
	defer ex.close()
	ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "GET", ":path", "/v1/responses", "x-api-key", aliceKey)))
	var body struct{ Error struct{ Type, Code string } }
	json.Unmarshal(ir.Body, &body)
	if ir.Status.Code != 405 || body.Error.Type != "invalid_request_error" || body.Error.Code != "method_not_allowed" {
		t.Errorf("%d %s", ir.Status.Code, ir.Body)
	}
}
