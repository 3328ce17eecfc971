package extproc

import (
	"net/http"
	"strings"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/llm/api"
)

// probePaths are the connectivity probes clients send before their first request,
// answered 200 without a body, without a key and without a provider:
//   - HEAD /: the "connectivity probe" of Claude Code's gateway protocol reference
//     (code.claude.com/docs/en/llm-gateway-protocol, "Optional endpoints and startup
//     traffic": best-effort startup traffic a gateway may answer or refuse);
//   - HEAD /api/hello: the connection pre-warm Claude Code 2.1 sends to
//     ANTHROPIC_BASE_URL at startup when no proxy is configured (seen in the installed
//     @anthropic-ai/claude-code-linux-x64 2.1.332).
//
// Claude Code's other startup requests are answered by tollgate as they always were:
// GET /v1/models (gateway model discovery) and GET /inference-profiles (Bedrock mode).
var probePaths = map[string]bool{"/": true, "/api/hello": true}

// answerEarly answers what tollgate decides from the request headers alone, whatever
// the path: a client's startup probe, a request presenting two different keys, and a
// protocol upgrade. nil means carry on.
func (st *stream) answerEarly() *extprocv3.ProcessingResponse {
	path, _ := api.SplitPath(st.hdr.path)
	if st.hdr.method == http.MethodHead && probePaths[path] {
		st.code = http.StatusOK
		resp := immediate(http.StatusOK, "text/plain; charset=utf-8", nil, "tollgate_probe")
		st.finish(false)
		return resp
	}
	if !st.rt.Keys().Open() {
		if first, second, bad := keys.Conflicting(st.hdr.all); bad {
			return st.reject(api.Errorf(http.StatusUnauthorized,
				"two different API keys (in %s and %s); send one key", first, second))
		}
	}
	if st.hdr.method == http.MethodConnect || len(st.hdr.all["upgrade"]) > 0 {
		return st.refuseUpgrade(path)
	}
	return nil
}

// refuseUpgrade answers a request to switch protocols; tollgate serves plain HTTP only.
//
// Codex's WebSocket probe (GET /v1/responses, Upgrade: websocket) gets 426 Upgrade
// Required in OpenAI's error shape, because Codex falls back to HTTP at once on exactly
// that status. openai/codex codex-rs/core/src/client.rs,
// ModelClientSession::stream_responses_websocket: a handshake answered
// StatusCode::UPGRADE_REQUIRED returns WebsocketStreamOutcome::FallbackToHttp, and
// ModelClientSession::stream then calls try_switch_fallback_transport, which turns
// WebSockets off for the rest of the session and sends the turn as an HTTP POST. Any
// other handshake failure (405, 404, Envoy's own 403) is a stream error, retried with
// backoff up to the provider's stream_max_retries (default 5) before the same fallback:
// the 7 attempts and 6.6 s that issue [11] measured against a 405.
//
// An upgrade anywhere else is a 400 in the client's shape: 426 means "repeat this over
// another protocol", which is only true where tollgate serves the same request over
// HTTP; a 404 or 405 would wrongly say the path or method is wrong. No Upgrade header is
// sent with the 426: the only protocol tollgate would name is the HTTP the client is
// already speaking, and Codex reads the status alone.
//
// The key is checked first, as for every request: a stranger learns nothing.
func (st *stream) refuseUpgrade(path string) *extprocv3.ProcessingResponse {
	id, ok := st.rt.Keys().Authenticate(keys.FromHeaders(st.hdr.all))
	if !ok {
		return st.reject(&api.Error{Status: http.StatusUnauthorized, Message: "invalid or missing API key"})
	}
	st.identity = id
	if st.hdr.method == http.MethodGet && path == "/v1/responses" && upgradesTo(st.hdr.all["upgrade"], "websocket") {
		st.kind = api.OpenAIResponses
		return st.reject(api.Errorf(http.StatusUpgradeRequired,
			"WebSocket is not served: send this request over HTTP (POST /v1/responses)"))
	}
	return st.reject(api.Errorf(http.StatusBadRequest,
		"%s %s asks to switch protocols (upgrade %q); tollgate serves plain HTTP requests only",
		st.hdr.method, path, strings.Join(st.hdr.all["upgrade"], ",")))
}

// upgradesTo reports whether an Upgrade header's values name protocol (case-insensitive;
// the header is a comma-separated list of protocols).
func upgradesTo(values []string, protocol string) bool {
	for _, v := range values {
		for p := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(p), "/")
			if strings.EqualFold(name, protocol) {
				return true
			}
		}
	}
	return false
}
