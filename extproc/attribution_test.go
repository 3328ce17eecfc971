package extproc_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClaudeCodeAttribution: Claude Code's session, agent and parent-agent ids reach the
// request log line and the dynamic metadata (hence Envoy's access log), bounded to 128
// printable ASCII bytes.
func TestClaudeCodeAttribution(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	long := strings.Repeat("a", 300)
	body := []byte(`{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey,
		"x-claude-code-session-id", "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
		"x-claude-code-agent-id", "agent\x1b[31m-7\r\n\xff",
		"x-claude-code-parent-agent-id", long))
	ex.send(requestBody(body))
	rh := ex.send(responseHeaders(true, ":status", "200", "content-type", "application/json"))
	ex.close()
	md := rh.GetDynamicMetadata().GetFields()["tollgate"].GetStructValue().GetFields()
	want := map[string]string{
		"session_id":      "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
		"agent_id":        "agent[31m-7",
		"parent_agent_id": strings.Repeat("a", 128),
	}
	for k, v := range want {
		if got := md[k].GetStringValue(); got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	var line map[string]any
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, v := range map[string]string{
		"claude_code_session_id": want["session_id"], "claude_code_agent_id": want["agent_id"],
		"claude_code_parent_agent_id": want["parent_agent_id"],
	} {
		if line[k] != v {
			t.Errorf("log %s = %#v, want %q", k, line[k], v)
		}
	}

	// Without the headers, nothing is added.
	ex = f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	rh = ex.send(responseHeaders(true, ":status", "200"))
	ex.close()
	for k := range want {
		if _, ok := rh.GetDynamicMetadata().GetFields()["tollgate"].GetStructValue().GetFields()[k]; ok {
			t.Errorf("metadata has %s without the header", k)
		}
	}
}
