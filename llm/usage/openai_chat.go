package usage

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// openAIChat reads OpenAI Chat Completions usage (also Gemini's OpenAI-compatible
// endpoint). In a stream, usage arrives in the chunk whose "usage" is an object
// (normally the last one, with "choices": []); every other chunk has "usage": null.
type openAIChat struct {
	u       Usage
	seen    bool
	content bool
}

func (e *openAIChat) Event(_ string, data []byte) bool {
	if hasObjectField(data, `"usage"`) {
		if u := gjson.GetBytes(data, "usage"); u.IsObject() {
			e.u, e.seen = chatUsage(u), true
			e.u.ServiceTier = serviceTier(gjson.GetBytes(data, "service_tier").Str)
		}
	}
	if e.content || !bytes.Contains(data, []byte(`"delta"`)) {
		return false
	}
	if chatDeltaHasContent(data) {
		e.content = true
		return true
	}
	return false
}

func (e *openAIChat) Body(body []byte) {
	if u := gjson.GetBytes(body, "usage"); u.IsObject() {
		e.u, e.seen = chatUsage(u), true
		e.u.ServiceTier = serviceTier(gjson.GetBytes(body, "service_tier").Str)
	}
}

func (e *openAIChat) Usage() Usage { return e.u }
func (e *openAIChat) Seen() bool   { return e.seen }

// chatDeltaHasContent reports whether any choice's delta carries generated output.
func chatDeltaHasContent(data []byte) bool {
	found := false
	gjson.GetBytes(data, "choices").ForEach(func(_, c gjson.Result) bool {
		d := c.Get("delta")
		for _, k := range [...]string{"content", "reasoning_content", "reasoning", "refusal"} {
			if d.Get(k).String() != "" {
				found = true
				return false
			}
		}
		if tc := d.Get("tool_calls"); tc.IsArray() && len(tc.Array()) > 0 {
			found = true
			return false
		}
		return true
	})
	return found
}

// chatUsage normalises a Chat Completions usage object. prompt_tokens includes the
// cached (and cache-written) tokens; completion_tokens includes reasoning. Some
// OpenAI-compatible servers report completion_tokens without the reasoning tokens; that
// shows as total_tokens = prompt + completion + reasoning, and is corrected here.
func chatUsage(u gjson.Result) Usage {
	prompt := u.Get("prompt_tokens").Int()
	completion := u.Get("completion_tokens").Int()
	cached := u.Get("prompt_tokens_details.cached_tokens").Int()
	written := u.Get("prompt_tokens_details.cache_write_tokens").Int()
	reasoning := u.Get("completion_tokens_details.reasoning_tokens").Int()
	if total := u.Get("total_tokens").Int(); reasoning > 0 && total != prompt+completion &&
		total == prompt+completion+reasoning {
		completion += reasoning
	}
	return Usage{
		Input:      nonNegative(prompt - cached - written),
		Output:     completion,
		CacheRead:  cached,
		CacheWrite: written,
		Reasoning:  reasoning,
	}
}
