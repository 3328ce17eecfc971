package mock

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

func TestExpectedUsage(t *testing.T) {
	// msgs is 32 bytes of raw JSON: 8 tokens.
	const msgs = `[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, api, body string
		opts            Options
		want            usage.Usage
	}{
		{"anthropic plain", "anthropic_messages", `{"model":"m","messages":` + msgs + `}`, Options{Words: 3},
			usage.Usage{Input: 8, Output: 3}},
		{"rewrites do not count", "anthropic_messages", `{"model":"a-much-longer-upstream-model","anthropic_version":"x","stream":true,"messages":` + msgs + `}`,
			Options{Words: 3}, usage.Usage{Input: 8, Output: 3}},
		{"default words", "openai_chat", `{"model":"m","messages":` + msgs + `}`, Options{},
			usage.Usage{Input: 8, Output: DefaultWords}},
		{"rounded up", "openai_chat", `{"model":"m","messages":[1]}`, Options{Words: 1}, // 3 bytes
			usage.Usage{Input: 1, Output: 1}},
		{"at least one", "openai_responses", `{"model":"m"}`, Options{Words: 2},
			usage.Usage{Input: 1, Output: 2}},
		{"responses fields", "openai_responses", `{"model":"m","instructions":"abcdef","input":"ab","tools":[]}`, Options{Words: 2},
			usage.Usage{Input: 4, Output: 2}}, // 8 + 4 + 2 = 14 bytes
		{"system and tools", "anthropic_messages", `{"model":"m","system":"1234567890","tools":[],"messages":` + msgs + `}`,
			Options{Words: 1}, usage.Usage{Input: 12, Output: 1}}, // 12 + 2 + 32 = 46 bytes
		{"cache 5m", "anthropic_messages", `{"model":"m","system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}],"messages":` + msgs + `}`,
			Options{Words: 4}, usage.Usage{Input: 7, CacheRead: 12, CacheWrite: 6, Output: 4}}, // 65 + 32 = 97 bytes: 25 tokens
		{"cache 1h", "anthropic_messages", `{"model":"m","system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl": "1h"}}],"messages":` + msgs + `}`,
			Options{Words: 4}, usage.Usage{Input: 7, CacheRead: 14, CacheWrite: 7, CacheWrite1h: 7, Output: 4}}, // 77 + 32 = 109 bytes: 28 tokens
		{"openai ignores cache_control", "openai_chat", `{"model":"m","cache_control":{},"messages":` + msgs + `}`, Options{Words: 2},
			usage.Usage{Input: 8, Output: 2}},
		{"count tokens", "anthropic_count_tokens", `{"model":"m","system":[{"cache_control":{}}],"messages":` + msgs + `}`, Options{Words: 9},
			usage.Usage{Input: 14}}, // 22 + 32 = 54 bytes
		{"unknown api", "bedrock_invoke", `{"messages":` + msgs + `}`, Options{}, usage.Usage{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExpectedUsage(tc.api, []byte(tc.body), tc.opts); got != tc.want {
				t.Errorf("ExpectedUsage = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReply(t *testing.T) {
	for _, n := range []int{1, 10, 23} {
		got := Reply(Options{Words: n})
		if words := strings.Fields(got); len(words) != n || strings.Join(words, " ") != got {
			t.Errorf("Reply(%d) = %q: %d words", n, got, len(words))
		}
	}
	if got := len(strings.Fields(Reply(Options{}))); got != DefaultWords {
		t.Errorf("default reply has %d words, want %d", got, DefaultWords)
	}
}

func FuzzExpectedUsage(f *testing.F) {
	f.Add([]byte(`{"model":"m","system":[{"cache_control":{"ttl":"1h"}}],"messages":[]}`))
	f.Add([]byte(`not json "cache_control"`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, k := range []api.Kind{api.AnthropicMessages, api.AnthropicCountTokens, api.OpenAIChat, api.OpenAIResponses} {
			u := ExpectedUsage(k.String(), body, Options{Words: 3})
			total := u.Input + u.CacheRead + u.CacheWrite
			if u.Input < 1 || total > int64(len(body))/4+1 || u.CacheWrite1h > u.CacheWrite || u.CacheRead < 0 {
				t.Fatalf("%s: usage %+v for a %d-byte body", k, u, len(body))
			}
		}
	})
}
