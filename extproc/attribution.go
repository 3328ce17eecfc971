package extproc

import (
	"log/slog"
	"net/http"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
)

// Claude Code's attribution headers: the session a request belongs to, and which agent
// (a sub-agent, with its parent) sent it (code.claude.com/docs/en/llm-gateway-protocol,
// "Request headers": attribution headers a gateway may consume). tollgate puts them in
// its request log line and in the dynamic metadata, so that Envoy's access log can
// attribute a sub-agent's cost to its session.
var attributionHeaders = [...]struct{ header, metadata, log string }{
	{"x-claude-code-session-id", "session_id", "claude_code_session_id"},
	{"x-claude-code-agent-id", "agent_id", "claude_code_agent_id"},
	{"x-claude-code-parent-agent-id", "parent_agent_id", "claude_code_parent_agent_id"},
}

// maxAttributionLen bounds each attribution value: they are the client's bytes, and go
// into every log line and access-log entry.
const maxAttributionLen = 128

// attribution is the values of attributionHeaders, in their order ("" when absent).
type attribution [len(attributionHeaders)]string

func readAttribution(h http.Header) attribution {
	var a attribution
	for i, ah := range attributionHeaders {
		if v := h[ah.header]; len(v) > 0 {
			a[i] = printableASCII(v[0], maxAttributionLen)
		}
	}
	return a
}

// logAttrs are the present values as log attributes.
func (a *attribution) logAttrs(attrs []slog.Attr) []slog.Attr {
	for i, v := range a {
		if v != "" {
			attrs = append(attrs, slog.String(attributionHeaders[i].log, v))
		}
	}
	return attrs
}

// addMetadata adds the present values to the dynamic metadata fields.
func (a *attribution) addMetadata(fields map[string]*structpb.Value) {
	for i, v := range a {
		if v != "" {
			fields[attributionHeaders[i].metadata] = structpb.NewStringValue(v)
		}
	}
}

// printableASCII keeps the printable ASCII bytes of s (space to tilde), trimmed, and at
// most max of them: a value that reaches logs and access logs carries no control
// characters, escapes or invalid UTF-8, and is bounded.
func printableASCII(s string, max int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			clean = false
			break
		}
	}
	if !clean {
		b := make([]byte, 0, min(len(s), max))
		for i := 0; i < len(s) && len(b) < max; i++ {
			if s[i] >= 0x20 && s[i] <= 0x7e {
				b = append(b, s[i])
			}
		}
		s = string(b)
	}
	s = strings.TrimSpace(s)
	if len(s) > max {
		s = strings.TrimSpace(s[:max])
	}
	return s
}
