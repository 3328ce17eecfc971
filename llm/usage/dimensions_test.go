package usage

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// TestBillingDimensions: the extractors read what changes a request's price besides its
// tokens — server tool requests, Anthropic's speed, OpenAI's service tier — from the
// shapes the providers document.
func TestBillingDimensions(t *testing.T) {
	tests := []struct {
		name   string
		kind   api.Kind
		events []string // SSE data payloads; a single entry with body=true is a JSON body
		body   bool
		want   Usage
	}{
		{"anthropic stream: server tools and fast speed in message_delta", api.AnthropicMessages, []string{
			`{"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1,"speed":"fast"}}}`,
			`{"type":"message_delta","usage":{"output_tokens":50,"server_tool_use":{"web_search_requests":2,"web_fetch_requests":1}}}`,
		}, false, Usage{Input: 10, Output: 50, WebSearchRequests: 2, WebFetchRequests: 1, Speed: SpeedFast}},
		{"anthropic body: standard speed", api.AnthropicMessages, []string{
			`{"type":"message","usage":{"input_tokens":7,"output_tokens":3,"speed":"standard","server_tool_use":{"web_search_requests":0}}}`,
		}, true, Usage{Input: 7, Output: 3, Speed: SpeedStandard}},
		{"chat stream: priority tier on the usage chunk", api.OpenAIChat, []string{
			`{"choices":[{"delta":{"content":"hi"}}],"service_tier":"priority","usage":null}`,
			`{"choices":[],"service_tier":"priority","usage":{"prompt_tokens":100,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":60}}}`,
		}, false, Usage{Input: 40, Output: 5, CacheRead: 60, ServiceTier: TierPriority}},
		{"chat body: default tier is standard", api.OpenAIChat, []string{
			`{"service_tier":"default","usage":{"prompt_tokens":100,"completion_tokens":5}}`,
		}, true, Usage{Input: 100, Output: 5}},
		{"responses stream: flex tier in response.completed", api.OpenAIResponses, []string{
			`{"type":"response.completed","response":{"service_tier":"flex","usage":{"input_tokens":30,"output_tokens":4}}}`,
		}, false, Usage{Input: 30, Output: 4, ServiceTier: TierFlex}},
		{"responses body: priority", api.OpenAIResponses, []string{
			`{"object":"response","service_tier":"priority","usage":{"input_tokens":30,"output_tokens":4}}`,
		}, true, Usage{Input: 30, Output: 4, ServiceTier: TierPriority}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := NewExtractor(tc.kind)
			if tc.body {
				ex.Body([]byte(tc.events[0]))
			} else {
				for _, e := range tc.events {
					ex.Event("", []byte(e))
				}
			}
			if got := ex.Usage(); got != tc.want {
				t.Fatalf("usage %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestClamped(t *testing.T) {
	u, bad := Usage{Input: -5, Output: 10, Reasoning: 50, CacheWrite: 3, CacheWrite1h: 9, CacheRead: MaxCount + 1}.Clamped()
	if !bad || u != (Usage{Input: 0, Output: 10, Reasoning: 10, CacheWrite: 3, CacheWrite1h: 3, CacheRead: MaxCount}) {
		t.Fatalf("%+v %v", u, bad)
	}
	if _, bad := (Usage{Input: 1, Output: 2}).Clamped(); bad {
		t.Fatal("a sane usage reported out of range")
	}
}
