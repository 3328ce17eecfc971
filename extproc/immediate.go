package extproc

import (
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/tollgate/tollgate/llm/api"
)

// immediate is a local reply: Envoy answers the client with it and stops processing.
// extra headers (retry-after) go on the reply too.
func immediate(code int, contentType string, body []byte, details string, extra ...*corev3.HeaderValueOption) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{
		ImmediateResponse: &extprocv3.ImmediateResponse{
			Status: &typev3.HttpStatus{Code: typev3.StatusCode(code)},
			Headers: &extprocv3.HeaderMutation{SetHeaders: append([]*corev3.HeaderValueOption{
				setHeader("content-type", contentType),
				setHeader("content-length", strconv.Itoa(len(body))),
			}, extra...)},
			Body:    body,
			Details: strings.ReplaceAll(strings.ToLower(details), " ", "_"),
		},
	}}
}

// guessKind picks the error shape for a path tollgate does not serve: Google's for
// Google-looking paths (/v1beta/…, /v1/models/{m}:{method}), Anthropic's for
// Anthropic-looking paths, OpenAI's otherwise.
func guessKind(path string) api.Kind {
	if api.GoogleStylePath(path) {
		return api.GeminiGenerateContent
	}
	if strings.HasPrefix(path, "/v1/messages") || strings.HasPrefix(path, "/model/") ||
		strings.HasPrefix(path, "/v1/projects/") || strings.HasPrefix(path, "/v1/complete") {
		return api.AnthropicMessages
	}
	return api.OpenAIChat
}
