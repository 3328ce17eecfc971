// Package api names the client APIs tollgate serves and knows how each one is shaped:
// which request path belongs to which API, and how each API spells an error.
package api

// Kind is one client-facing API (the wire dialect the client speaks).
type Kind uint8

// The client APIs. The Bedrock and Vertex kinds are the cloud-native paths Claude Code
// uses in its CLAUDE_CODE_USE_BEDROCK / CLAUDE_CODE_USE_VERTEX modes; their bodies are
// Anthropic Messages bodies without `model`.
const (
	Unknown Kind = iota
	OpenAIChat
	OpenAIResponses
	AnthropicMessages
	AnthropicCountTokens
	BedrockInvoke
	BedrockInvokeStream
	BedrockCountTokens
	VertexRawPredict
	VertexStreamRawPredict
	VertexCountTokens
	// The endpoints tollgate does not know (other.go), by the API their path looks like.
	AnthropicOther
	OpenAIResponsesOther
	OpenAIOther
	// Gemini's native API (Gemini CLI, the Google Gen AI SDKs): the model is in the path
	// (gemini_paths.go), errors are in Google's shape (errors_google.go).
	GeminiGenerateContent
	GeminiStreamGenerateContent
	GeminiCountTokens
)

var kindNames = [...]string{
	Unknown:                "unknown",
	OpenAIChat:             "openai_chat",
	OpenAIResponses:        "openai_responses",
	AnthropicMessages:      "anthropic_messages",
	AnthropicCountTokens:   "anthropic_count_tokens",
	BedrockInvoke:          "bedrock_invoke",
	BedrockInvokeStream:    "bedrock_invoke_stream",
	BedrockCountTokens:     "bedrock_count_tokens",
	VertexRawPredict:       "vertex_raw_predict",
	VertexStreamRawPredict: "vertex_stream_raw_predict",
	VertexCountTokens:      "vertex_count_tokens",
	AnthropicOther:         "anthropic_other",
	OpenAIResponsesOther:   "openai_responses_other",
	OpenAIOther:            "openai_other",

	GeminiGenerateContent:       "gemini_generate_content",
	GeminiStreamGenerateContent: "gemini_stream_generate_content",
	GeminiCountTokens:           "gemini_count_tokens",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// AnthropicShaped reports whether clients of this API expect Anthropic's error shape
// and Anthropic events (everything but the OpenAI APIs and Gemini's).
func (k Kind) AnthropicShaped() bool {
	switch k {
	case Unknown, OpenAIChat, OpenAIResponses, OpenAIResponsesOther, OpenAIOther:
		return false
	}
	return !k.GoogleShaped()
}

// CountsTokens reports whether the API is a token-counting call, whose response is not
// billable usage.
func (k Kind) CountsTokens() bool {
	return k == AnthropicCountTokens || k == BedrockCountTokens || k == VertexCountTokens ||
		k == GeminiCountTokens
}

// MaxModelLength bounds a model name a client may send (in the body or the path): the
// longest real model ids are well under 100 bytes.
const MaxModelLength = 256
