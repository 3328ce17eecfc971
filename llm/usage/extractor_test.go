package usage

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

type ev struct{ name, data string }

func TestExtractorEvents(t *testing.T) {
	tests := []struct {
		name     string
		kind     api.Kind
		events   []ev
		want     Usage
		wantSeen bool
		firstAt  int // index of the event that must report first content; -1: none
	}{
		{
			name: "chat: usage chunk after content, [DONE] ignored",
			kind: api.OpenAIChat,
			events: []ev{
				{"", `{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}`},
				{"", `{"choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}`},
				{"", `{"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":64,"cache_write_tokens":16},"completion_tokens_details":{"reasoning_tokens":5}}}`},
				{"", `[DONE]`},
			},
			want:     Usage{Input: 20, Output: 20, CacheRead: 64, CacheWrite: 16, Reasoning: 5},
			wantSeen: true, firstAt: 1,
		},
		{
			name: "chat: no include_usage, no usage",
			kind: api.OpenAIChat,
			events: []ev{
				{"", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]}}]}`},
				{"", `[DONE]`},
			},
			firstAt: 0,
		},
		{
			name:     "chat: whitespace around the usage object",
			kind:     api.OpenAIChat,
			events:   []ev{{"", `{"choices": [], "usage" : {"prompt_tokens": 7, "completion_tokens": 3}}`}},
			want:     Usage{Input: 7, Output: 3},
			wantSeen: true, firstAt: -1,
		},
		{
			name: "chat: reasoning outside completion_tokens (total shows it) is added to output",
			kind: api.OpenAIChat,
			events: []ev{{"", `{"choices":[],"usage":{"prompt_tokens":21,"completion_tokens":10,"total_tokens":91,` +
				`"completion_tokens_details":{"reasoning_tokens":60}}}`}},
			want:     Usage{Input: 21, Output: 70, Reasoning: 60},
			wantSeen: true, firstAt: -1,
		},
		{
			name:    "chat: reasoning delta counts as content; mid-stream error carries no usage",
			kind:    api.OpenAIChat,
			events:  []ev{{"", `{"choices":[{"delta":{"reasoning_content":"hm"}}]}`}, {"", `{"error":{"message":"boom"}}`}},
			firstAt: 0,
		},
		{
			name: "responses: completed event",
			kind: api.OpenAIResponses,
			events: []ev{
				{"response.created", `{"type":"response.created","response":{"usage":null}}`},
				{"response.output_text.delta", `{"type":"response.output_text.delta","delta":"x"}`},
				{"response.output_text.delta", `{"type":"response.output_text.delta","delta":"y"}`},
				{"response.completed", `{"type":"response.completed","response":{"usage":{"input_tokens":500,"input_tokens_details":{"cached_tokens":256},"output_tokens":80,"output_tokens_details":{"reasoning_tokens":32},"total_tokens":580}}}`},
			},
			want:     Usage{Input: 244, Output: 80, CacheRead: 256, Reasoning: 32},
			wantSeen: true, firstAt: 1,
		},
		{
			name: "responses: incomplete event, type read from data when unnamed",
			kind: api.OpenAIResponses,
			events: []ev{
				{"", `{"type":"response.reasoning_summary_text.delta","delta":"x"}`},
				{"", `{"type":"response.incomplete","response":{"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":4},"output_tokens":3}}}`},
			},
			want:     Usage{Input: 6, Output: 3, CacheWrite: 4},
			wantSeen: true, firstAt: 0,
		},
		{
			name: "responses: failed event with null usage, error event",
			kind: api.OpenAIResponses,
			events: []ev{
				{"error", `{"type":"error","code":"server_error","message":"x"}`},
				{"response.failed", `{"type":"response.failed","response":{"usage":null}}`},
			},
			firstAt: -1,
		},
		{
			name: "responses: usage in other events is not final",
			kind: api.OpenAIResponses,
			events: []ev{
				{"response.in_progress", `{"type":"response.in_progress","response":{"usage":{"input_tokens":1,"output_tokens":1}}}`},
			},
			firstAt: -1,
		},
		{
			name: "anthropic: message_delta output replaces, absent fields kept",
			kind: api.AnthropicMessages,
			events: []ev{
				{"message_start", `{"type":"message_start","message":{"usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":1}}}`},
				{"ping", `{"type": "ping"}`},
				{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}`},
				{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}}`},
				{"message_delta", `{"type":"message_delta","delta":{},"usage":{"output_tokens":57}}`},
				{"message_stop", `{"type":"message_stop"}`},
			},
			want:     Usage{Input: 12, Output: 57, CacheRead: 40, CacheWrite: 300, CacheWrite1h: 200},
			wantSeen: true, firstAt: 2,
		},
		{
			name: "anthropic: message_delta repeating input and cache fields replaces them; nulls ignored",
			kind: api.VertexStreamRawPredict,
			events: []ev{
				{"message_start", `{"type":"message_start","message":{"usage":{"input_tokens":5,"cache_read_input_tokens":0,"output_tokens":1}}}`},
				{"message_delta", `{"type":"message_delta","usage":{"input_tokens":9,"cache_read_input_tokens":70,"cache_creation_input_tokens":null,"output_tokens":11,"output_tokens_details":{"thinking_tokens":4}}}`},
			},
			want:     Usage{Input: 9, Output: 11, CacheRead: 70, Reasoning: 4},
			wantSeen: true, firstAt: -1,
		},
		{
			name: "anthropic: unnamed events (Bedrock event stream payloads)",
			kind: api.BedrockInvokeStream,
			events: []ev{
				{"", `{"type":"message_start","message":{"usage":{"input_tokens":10,"cache_creation":{"ephemeral_5m_input_tokens":7,"ephemeral_1h_input_tokens":3},"output_tokens":1}}}`},
				{"", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}`},
				{"", `{ "type" : "message_delta", "usage": {"output_tokens": 15}}`},
				{"", `{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":10,"outputTokenCount":15}}`},
			},
			want:     Usage{Input: 10, Output: 15, CacheWrite: 10, CacheWrite1h: 3},
			wantSeen: true, firstAt: 1,
		},
		{
			name: "anthropic: error event keeps what was seen",
			kind: api.AnthropicMessages,
			events: []ev{
				{"message_start", `{"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}`},
				{"error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
			},
			want:     Usage{Input: 25, Output: 1},
			wantSeen: true, firstAt: -1,
		},
		{
			name:    "count tokens: never usage",
			kind:    api.AnthropicCountTokens,
			events:  []ev{{"", `{"input_tokens":42}`}, {"message_start", `{"type":"message_start","message":{"usage":{"input_tokens":1}}}`}},
			firstAt: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := NewExtractor(tt.kind)
			first := -1
			for i, e := range tt.events {
				if ex.Event(e.name, []byte(e.data)) {
					if first >= 0 {
						t.Fatalf("event %d reported first content again (first was %d)", i, first)
					}
					first = i
				}
			}
			if got := ex.Usage(); got != tt.want {
				t.Errorf("Usage = %+v, want %+v", got, tt.want)
			}
			if ex.Seen() != tt.wantSeen {
				t.Errorf("Seen = %v, want %v", ex.Seen(), tt.wantSeen)
			}
			if first != tt.firstAt {
				t.Errorf("first content at event %d, want %d", first, tt.firstAt)
			}
		})
	}
}

func TestExtractorBody(t *testing.T) {
	tests := []struct {
		name     string
		kind     api.Kind
		body     string
		want     Usage
		wantSeen bool
	}{
		{name: "chat", kind: api.OpenAIChat,
			body: `{"object":"chat.completion","usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":192}}}`,
			want: Usage{Input: 176, Output: 300, CacheRead: 1024, Reasoning: 192}, wantSeen: true},
		{name: "chat: cached more than prompt is clamped", kind: api.OpenAIChat,
			body: `{"usage":{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":12}}}`,
			want: Usage{Input: 0, Output: 1, CacheRead: 12}, wantSeen: true},
		{name: "chat: error body", kind: api.OpenAIChat,
			body: `{"error":{"message":"bad","type":"invalid_request_error"}}`},
		{name: "responses", kind: api.OpenAIResponses,
			body: `{"object":"response","usage":{"input_tokens":50,"input_tokens_details":{"cached_tokens":0},"output_tokens":8,"output_tokens_details":{"reasoning_tokens":0}}}`,
			want: Usage{Input: 50, Output: 8}, wantSeen: true},
		{name: "anthropic", kind: api.BedrockInvoke,
			body: `{"type":"message","usage":{"input_tokens":12,"cache_creation_input_tokens":2048,"cache_read_input_tokens":8192,"cache_creation":{"ephemeral_5m_input_tokens":2048,"ephemeral_1h_input_tokens":0},"output_tokens":310}}`,
			want: Usage{Input: 12, Output: 310, CacheRead: 8192, CacheWrite: 2048}, wantSeen: true},
		{name: "anthropic error body", kind: api.AnthropicMessages,
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`},
		{name: "count tokens", kind: api.VertexCountTokens, body: `{"input_tokens":42}`},
		{name: "unknown kind", kind: api.Unknown, body: `{"usage":{"input_tokens":1}}`},
		{name: "not JSON", kind: api.AnthropicMessages, body: `<html>502</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := NewExtractor(tt.kind)
			ex.Body([]byte(tt.body))
			if got := ex.Usage(); got != tt.want || ex.Seen() != tt.wantSeen {
				t.Errorf("Usage = %+v seen %v, want %+v seen %v", got, ex.Seen(), tt.want, tt.wantSeen)
			}
		})
	}
}

func TestHasObjectField(t *testing.T) {
	tests := []struct {
		data string
		want bool
	}{
		{`{"usage":{"a":1}}`, true},
		{`{"usage" :	{"a":1}}`, true},
		{`{"usage":null}`, false},
		{`{"content":"\"usage\":{"}`, false},
		{`{"x":"usage","usage":{}}`, true},
		{`{"usage"`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := hasObjectField([]byte(tt.data), `"usage"`); got != tt.want {
			t.Errorf("hasObjectField(%s) = %v, want %v", tt.data, got, tt.want)
		}
	}
}
