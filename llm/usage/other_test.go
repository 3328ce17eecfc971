package usage

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// TestAnyKnownUsage: an endpoint tollgate does not know is metered from whichever known
// usage shape its response has, streamed or whole.
func TestAnyKnownUsage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		events   []ev
		body     string
		want     Usage
		wantSeen bool
	}{
		{name: "anthropic body", body: `{"id":"msg_1","type":"message","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":3,"output_tokens_details":{"thinking_tokens":2}}}`,
			want: Usage{Input: 10, Output: 5, CacheRead: 3, Reasoning: 2}, wantSeen: true},
		{name: "responses compaction body", body: `{"id":"cmp_1","object":"response.compaction","output":[],"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":40},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":107}}`,
			want: Usage{Input: 60, CacheRead: 40, Output: 7}, wantSeen: true},
		{name: "chat-shaped body", body: `{"object":"list","usage":{"prompt_tokens":12,"total_tokens":12}}`,
			want: Usage{Input: 12}, wantSeen: true},
		{name: "responses usage without object", body: `{"usage":{"input_tokens":9,"output_tokens":1,"total_tokens":10}}`,
			want: Usage{Input: 9, Output: 1}, wantSeen: true},
		{name: "anthropic usage without type", body: `{"usage":{"input_tokens":9,"output_tokens":1}}`,
			want: Usage{Input: 9, Output: 1}, wantSeen: true},
		{name: "token count is free, not unmetered", body: `{"object":"response.input_tokens","input_tokens":123}`, wantSeen: true},
		{name: "no usage at all", body: `{"data":[{"embedding":[0.1]}]}`},
		{name: "anthropic stream", events: []ev{
			{"message_start", `{"type":"message_start","message":{"usage":{"input_tokens":20,"output_tokens":1}}}`},
			{"content_block_delta", `{"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}`},
			{"message_delta", `{"type":"message_delta","usage":{"output_tokens":8}}`},
		}, want: Usage{Input: 20, Output: 8}, wantSeen: true},
		{name: "responses stream, usage in response.completed", events: []ev{
			{"response.output_text.delta", `{"type":"response.output_text.delta","delta":"hi"}`},
			{"response.completed", `{"type":"response.completed","response":{"usage":{"input_tokens":30,"output_tokens":4,"total_tokens":34},"service_tier":"priority"}}`},
		}, want: Usage{Input: 30, Output: 4, ServiceTier: TierPriority}, wantSeen: true},
		{name: "chat stream", events: []ev{
			{"", `{"choices":[{"delta":{"content":"hi"}}],"usage":null}`},
			{"", `{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}`},
			{"", `[DONE]`},
		}, want: Usage{Input: 5, Output: 2}, wantSeen: true},
		{name: "stream without usage", events: []ev{{"", `{"type":"something.else","x":1}`}}},
	} {
		for _, k := range []api.Kind{api.AnthropicOther, api.OpenAIResponsesOther, api.OpenAIOther} {
			ex := NewExtractor(k)
			firsts := 0
			for _, e := range tc.events {
				if ex.Event(e.name, []byte(e.data)) {
					firsts++
				}
			}
			if tc.body != "" {
				ex.Body([]byte(tc.body))
			}
			if got := ex.Usage(); got != tc.want || ex.Seen() != tc.wantSeen {
				t.Errorf("%s (%v): usage %+v seen %v; want %+v %v", tc.name, k, got, ex.Seen(), tc.want, tc.wantSeen)
			}
			if firsts > 1 {
				t.Errorf("%s: first content reported %d times", tc.name, firsts)
			}
		}
	}
}
