package usage

import (
	"github.com/tidwall/gjson"
)

const (
	anthropicMessageStart = "message_start"
	anthropicMessageDelta = "message_delta"
	anthropicBlockDelta   = "content_block_delta"
	anthropicMessageStop  = "message_stop"
)

// anthropic reads Anthropic Messages usage (also the Bedrock and Vertex native paths,
// whose events are Anthropic events). message_start carries the input and cache counts;
// each message_delta carries cumulative counts: its output_tokens replaces the earlier
// value, and any input or cache field it repeats replaces the earlier one too.
type anthropic struct {
	u       Usage
	seen    bool
	content bool
}

func (e *anthropic) Event(name string, data []byte) bool {
	return e.event(eventType(name, data), data)
}

// event reads one event whose type is already known.
func (e *anthropic) event(typ string, data []byte) bool {
	switch typ {
	case anthropicMessageStart:
		if u := gjson.GetBytes(data, "message.usage"); u.IsObject() {
			e.merge(u)
		}
	case anthropicMessageDelta:
		if u := gjson.GetBytes(data, "usage"); u.IsObject() {
			e.merge(u)
		}
	case anthropicBlockDelta:
		if !e.content {
			e.content = true
			return true
		}
	}
	return false
}

func (e *anthropic) Body(body []byte) {
	if u := gjson.GetBytes(body, "usage"); u.IsObject() {
		e.merge(u)
	}
}

func (e *anthropic) Usage() Usage { return e.u }
func (e *anthropic) Seen() bool   { return e.seen }

// merge applies the numeric fields present in an Anthropic usage object; absent or null
// fields keep their earlier values. input_tokens already excludes cached tokens.
func (e *anthropic) merge(u gjson.Result) {
	e.seen = true
	set := func(dst *int64, path string) bool {
		if v := u.Get(path); v.Type == gjson.Number {
			*dst = v.Int()
			return true
		}
		return false
	}
	set(&e.u.Input, "input_tokens")
	set(&e.u.Output, "output_tokens")
	set(&e.u.CacheRead, "cache_read_input_tokens")
	set(&e.u.Reasoning, "output_tokens_details.thinking_tokens")
	if !set(&e.u.CacheWrite, "cache_creation_input_tokens") {
		// Only the split by lifetime is present: its parts sum to the cache write.
		m5, h1 := u.Get("cache_creation.ephemeral_5m_input_tokens"), u.Get("cache_creation.ephemeral_1h_input_tokens")
		if m5.Type == gjson.Number || h1.Type == gjson.Number {
			e.u.CacheWrite = m5.Int() + h1.Int()
		}
	}
	set(&e.u.CacheWrite1h, "cache_creation.ephemeral_1h_input_tokens")
	set(&e.u.WebSearchRequests, "server_tool_use.web_search_requests")
	set(&e.u.WebFetchRequests, "server_tool_use.web_fetch_requests")
	if v := u.Get("speed"); v.Type == gjson.String {
		e.u.Speed = SpeedStandard
		if v.Str == SpeedFast {
			e.u.Speed = SpeedFast
		}
	}
}
