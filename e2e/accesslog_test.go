package e2e

import (
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
