package provider

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

func TestBedrockTranslateError(t *testing.T) {
	p := &bedrockProvider{name: "b"}
	tests := []struct {
		name   string
		client api.Kind
		status int
		body   string
		want   string
	}{
		{"throttled", api.AnthropicMessages, 429, `{"message":"Too many requests, please wait before trying again."}`,
			`{"type":"error","error":{"type":"rate_limit_error","message":"Too many requests, please wait before trying again."}}`},
		{"validation", api.AnthropicCountTokens, 400, `{"message":"messages: field required"}`,
			`{"type":"error","error":{"type":"invalid_request_error","message":"messages: field required"}}`},
		{"capitalised", api.AnthropicMessages, 403, `{"Message":"User is not authorized"}`,
			`{"type":"error","error":{"type":"permission_error","message":"User is not authorized"}}`},
		{"unavailable", api.AnthropicMessages, 503, `{"message":"Bedrock is unable to process your request."}`,
			`{"type":"error","error":{"type":"overloaded_error","message":"Bedrock is unable to process your request."}}`},
		{"no message", api.AnthropicMessages, 500, `<html>oops</html>`,
			`{"type":"error","error":{"type":"api_error","message":"bedrock returned HTTP 500"}}`},
		{"native invoke", api.BedrockInvoke, 429, `{"message":"x"}`, ""},
		{"native stream", api.BedrockInvokeStream, 400, `{"message":"x"}`, ""},
		{"native count", api.BedrockCountTokens, 400, `{"message":"x"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.TranslateError(tc.client, tc.status, []byte(tc.body))
			if string(got) != tc.want || (tc.want == "") != (got == nil) {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestBedrockCountTokensResponse(t *testing.T) {
	if got, ok := BedrockCountTokensResponse([]byte(`{"inputTokens":1234}`)); !ok || string(got) != `{"input_tokens":1234}` {
		t.Fatalf("got %s, %v", got, ok)
	}
	if _, ok := BedrockCountTokensResponse([]byte(`{"message":"no"}`)); ok {
		t.Fatal("an error body is not a count")
	}
}
