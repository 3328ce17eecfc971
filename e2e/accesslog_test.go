package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

// checkAccessLog asserts the one access-log line envoy.yaml's json_format produced:
// the tollgate fields come from tollgate's dynamic metadata.
func checkAccessLog(t *testing.T, s *stack, team, model, provider string, u usage.Usage) {
	t.Helper()
	logs := s.H.AccessLog()
	if len(logs) != 1 {
		t.Fatalf("%d access log lines, want 1", len(logs))
	}
	e := logs[0]
	want := map[string]any{
		"status": float64(200), "team": team, "model": model, "provider": provider,
		"route": provider, "upstream_cluster": provider, "response_code_details": "via_upstream",
		"input_tokens": float64(u.Input), "output_tokens": float64(u.Output),
		"cache_read_tokens": float64(u.CacheRead), "cache_write_tokens": float64(u.CacheWrite),
	}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("access log %s = %#v, want %#v", k, e[k], v)
		}
	}
	if id, _ := e["request_id"].(string); id == "" {
		t.Error("access log has no request_id")
	}
}

// TestAccessLogOfRejections: a request tollgate answers itself has an access log line
// that names what tollgate knew: an unknown model's 404 the team and the model, an
// unknown key's 401 nothing (Envoy applies an immediate_response's dynamic metadata
// before its local reply; the stand-in does as Envoy does).
func TestAccessLogOfRejections(t *testing.T) {
	s := startStack(t, nil)
	send := func(key, model string) int {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/messages",
			strings.NewReader(`{"model":"`+model+`","max_tokens":8,"messages":[]}`))
		req.Header.Set("x-api-key", key)
		req.Header.Set("content-type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(keyTeamA, "llama-9"); code != http.StatusNotFound {
		t.Fatalf("unknown model: %d", code)
	}
	if code := send("not-a-key", "claude-x"); code != http.StatusUnauthorized {
		t.Fatalf("unknown key: %d", code)
	}
	logs := s.H.AccessLog()
	if len(logs) != 2 {
		t.Fatalf("%d access log lines, want 2", len(logs))
	}
	want404 := map[string]any{"status": float64(404), "team": "platform", "model": "llama-9", "provider": nil}
	for k, v := range want404 {
		if logs[0][k] != v {
			t.Errorf("404 line: %s = %#v, want %#v", k, logs[0][k], v)
		}
	}
	for _, k := range []string{"team", "model", "provider"} {
		if logs[1][k] != nil {
			t.Errorf("401 line: %s = %#v, want null", k, logs[1][k])
		}
	}
}
