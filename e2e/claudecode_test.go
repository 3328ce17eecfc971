package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/tollgate/tollgate/mock"
)

// TestClaudeCodeGatewayDetails: what Claude Code does against a gateway, through
// envoy.yaml: its startup probe is answered at once with no provider; apiKeyHelper's
// same key in Authorization and x-api-key is one client; its attribution headers reach
// Envoy's access log (session_id, agent_id, parent_agent_id).
func TestClaudeCodeGatewayDetails(t *testing.T) {
	fx := fixtures(t)
	prov := anthropicProvider(t)
	s := startStack(t, map[string]*mock.Provider{"anthropic": prov})

	rec := newRecorder()
	c := anthropicClient(s.URL, keyTeamA, rec)
	var msg anthropic.Message
	st := c.Messages.NewStreaming(context.Background(), userMessage(),
		option.WithHeader("authorization", "Bearer "+keyTeamA), // apiKeyHelper: the same key twice
		option.WithHeader("x-claude-code-session-id", "5d41402a-bc4b-2a76-b971-9d911017c592"),
		option.WithHeader("x-claude-code-agent-id", "agent-explore-1"),
		option.WithHeader("x-claude-code-parent-agent-id", "agent-main"))
	for st.Next() {
		if err := msg.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	s.checkProviders(t)
	want := fx["anthropic_stream"].Usage
	if msg.Usage.OutputTokens != want.Output {
		t.Errorf("output tokens %d, want %d", msg.Usage.OutputTokens, want.Output)
	}
	checkAccessLog(t, s, "platform", claudeModel, "anthropic", want)
	e := s.H.AccessLog()[0]
	for k, v := range map[string]string{"session_id": "5d41402a-bc4b-2a76-b971-9d911017c592",
		"agent_id": "agent-explore-1", "parent_agent_id": "agent-main"} {
		if e[k] != v {
			t.Errorf("access log %s = %#v, want %q", k, e[k], v)
		}
	}

	for _, path := range []string{"/", "/api/hello"} {
		req, _ := http.NewRequest(http.MethodHead, s.URL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %d", path, res.StatusCode)
		}
	}
	if n := len(prov.Exchanges()); n != 1 {
		t.Fatalf("probes reached the provider: %d requests", n)
	}

}
