package api

import "testing"

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		path  string
		ok    bool
		kind  Kind
		model string
	}{
		{"/v1/messages", true, AnthropicMessages, ""},
		{"/v1/messages/count_tokens", true, AnthropicCountTokens, ""},
		{"/v1/chat/completions", true, OpenAIChat, ""},
		{"/v1/responses", true, OpenAIResponses, ""},
		{"/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", true, BedrockInvoke, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{"/model/global.anthropic.claude-x-v1:0/invoke-with-response-stream", true, BedrockInvokeStream, "global.anthropic.claude-x-v1:0"},
		{"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fabc/count-tokens", true, BedrockCountTokens, "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc"},
		{"/model/x/converse", false, Unknown, ""},
		{"/model//invoke", false, Unknown, ""},
		{"/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4-1@20250805:streamRawPredict", true, VertexStreamRawPredict, "claude-opus-4-1@20250805"},
		{"/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-x:rawPredict", true, VertexRawPredict, "claude-x"},
		{"/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict", true, VertexCountTokens, ""},
		{"/v1/projects/p/locations/us-east5/publishers/google/models/gemini:generateContent", false, Unknown, ""},
		{"/v1/embeddings", false, Unknown, ""},
		{"/", false, Unknown, ""},
	} {
		ep, ok := Classify(tc.path)
		if ok != tc.ok || ep.Kind != tc.kind || ep.PathModel != tc.model {
			t.Errorf("Classify(%q) = %+v, %v; want %v %q %v", tc.path, ep, ok, tc.kind, tc.model, tc.ok)
		}
	}
	if ep, ok := Classify("/v1/models"); !ok || !ep.ListModels {
		t.Error("/v1/models")
	}
	if p, q := SplitPath("/v1/messages?beta=true"); p != "/v1/messages" || q != "beta=true" {
		t.Errorf("SplitPath = %q %q", p, q)
	}
}

func TestErrorShapes(t *testing.T) {
	e := &Error{Status: 404, Message: `model "x\"y" is not served`}
	if got := string(e.Body(AnthropicMessages)); got != `{"type":"error","error":{"type":"not_found_error","message":"model \"x\\\"y\" is not served"}}` {
		t.Errorf("anthropic: %s", got)
	}
	if got := string(e.Body(OpenAIChat)); got != `{"error":{"message":"model \"x\\\"y\" is not served","type":"invalid_request_error","param":null,"code":"not_found"}}` {
		t.Errorf("openai: %s", got)
	}
	if got := string((&Error{Status: 503, Message: "m"}).Body(BedrockInvoke)); got != `{"type":"error","error":{"type":"api_error","message":"m"}}` {
		t.Errorf("bedrock native: %s", got)
	}
}

// TestClientErrorTypes: a wrong method and a refused upgrade are the client's errors in
// both shapes, never server_error/api_error, which clients treat as retryable.
func TestClientErrorTypes(t *testing.T) {
	for _, tc := range []struct {
		status          int
		openai, anthrop string
	}{
		{405, `{"error":{"message":"m","type":"invalid_request_error","param":null,"code":"method_not_allowed"}}`,
			`{"type":"error","error":{"type":"invalid_request_error","message":"m"}}`},
		{426, `{"error":{"message":"m","type":"invalid_request_error","param":null,"code":"upgrade_required"}}`,
			`{"type":"error","error":{"type":"invalid_request_error","message":"m"}}`},
	} {
		e := &Error{Status: tc.status, Message: "m"}
		if got := string(e.Body(OpenAIResponses)); got != tc.openai {
			t.Errorf("%d openai: %s", tc.status, got)
		}
		if got := string(e.Body(AnthropicMessages)); got != tc.anthrop {
			t.Errorf("%d anthropic: %s", tc.status, got)
		}
	}
}
