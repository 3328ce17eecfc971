package usage

import (
	"strings"

	"github.com/tidwall/gjson"
)

// openAIResponses reads OpenAI Responses API usage: `response.usage` of the terminal
// events (response.completed, response.incomplete, response.failed) in a stream, the
// top-level `usage` of a JSON body.
type openAIResponses struct {
	u       Usage
	seen    bool
	content bool
}

func (e *openAIResponses) Event(name string, data []byte) bool {
	typ := eventType(name, data)
	switch typ {
	case "response.completed", "response.incomplete", "response.failed":
		if u := gjson.GetBytes(data, "response.usage"); u.IsObject() {
			e.u, e.seen = responsesUsage(u), true
			e.u.ServiceTier = serviceTier(gjson.GetBytes(data, "response.service_tier").Str)
		}
		return false
	}
	// Every output stream (text, refusal, reasoning, tool arguments, audio) arrives
	// as "<...>.delta" events.
	if !e.content && strings.HasSuffix(typ, ".delta") {
		e.content = true
		return true
	}
	return false
}

func (e *openAIResponses) Body(body []byte) {
	if u := gjson.GetBytes(body, "usage"); u.IsObject() {
		e.u, e.seen = responsesUsage(u), true
		e.u.ServiceTier = serviceTier(gjson.GetBytes(body, "service_tier").Str)
	}
}

func (e *openAIResponses) Usage() Usage { return e.u }
func (e *openAIResponses) Seen() bool   { return e.seen }

// responsesUsage normalises a Responses usage object: input_tokens includes the cached
// (and cache-written) tokens, output_tokens includes reasoning.
func responsesUsage(u gjson.Result) Usage {
	input := u.Get("input_tokens").Int()
	cached := u.Get("input_tokens_details.cached_tokens").Int()
	written := u.Get("input_tokens_details.cache_write_tokens").Int()
	return Usage{
		Input:      nonNegative(input - cached - written),
		Output:     u.Get("output_tokens").Int(),
		CacheRead:  cached,
		CacheWrite: written,
		Reasoning:  u.Get("output_tokens_details.reasoning_tokens").Int(),
	}
}
