package translate

import (
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Chat Completions client, Messages upstream: the stream. Each Anthropic event becomes
// at most one chat.completion.chunk:
//
//	message_start                      → the role chunk
//	content_block_start  tool_use      → a tool_calls chunk with id and name
//	content_block_delta  text_delta    → delta.content
//	                     input_json_delta → delta.tool_calls[].function.arguments
//	                     thinking_delta → delta.reasoning_content
//	message_delta                      → the finish_reason chunk (usage kept)
//	message_stop                       → the usage chunk (with include_usage), [DONE]
//	error                              → a data line with the error, and the end
//
// signature_delta, citations_delta, ping and the block starts and stops of text and
// thinking blocks have no chunk.

// chatFromMessages is the state of one stream. The chunk prefix is built once; open
// tool blocks are the only per-block state, dropped at their content_block_stop.
type chatFromMessages struct {
	x       Exchange
	created int64
	prefix  []byte // {"id":…,"object":"chat.completion.chunk",…,"choices":[
	u       messagesUsage
	tools   []openTool // the open tool_use blocks
	nTools  int        // tool calls so far: the next one's index
	stopped bool       // message_stop (or an error event) seen
}

// openTool is an open tool_use block: its Anthropic block index and Chat tool index.
type openTool struct{ block, call int64 }

// now is the clock of the chunks' created field (tests fix it).
var now = time.Now

func newChatFromMessages(x Exchange) *chatFromMessages {
	return &chatFromMessages{x: x, created: now().Unix()}
}

// messagesUsage is a Messages usage, as its events report it (cumulative).
type messagesUsage struct {
	input, output, cacheRead, cacheWrite, thinking int64
}

func (u *messagesUsage) merge(r gjson.Result) {
	r.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.Number {
			switch k.Str {
			case "input_tokens":
				u.input = v.Int()
			case "output_tokens":
				u.output = v.Int()
			case "cache_read_input_tokens":
				u.cacheRead = v.Int()
			case "cache_creation_input_tokens":
				u.cacheWrite = v.Int()
			}
		} else if k.Str == "output_tokens_details" {
			if t := v.Get("thinking_tokens"); t.Type == gjson.Number {
				u.thinking = t.Int()
			}
		}
		return true
	})
}

// appendChatUsage appends u as a Chat usage object: prompt_tokens counts every input
// token (cached and cache-written ones too), as OpenAI's does.
func appendChatUsage(b []byte, u messagesUsage) []byte {
	prompt := u.input + u.cacheRead + u.cacheWrite
	b = append(b, `{"prompt_tokens":`...)
	b = appendInt(b, prompt)
	b = append(b, `,"completion_tokens":`...)
	b = appendInt(b, u.output)
	b = append(b, `,"total_tokens":`...)
	b = appendInt(b, prompt+u.output)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = appendInt(b, u.cacheRead)
	if u.cacheWrite > 0 {
		b = append(b, `,"cache_write_tokens":`...)
		b = appendInt(b, u.cacheWrite)
	}
	b = append(b, `},"completion_tokens_details":{"reasoning_tokens":`...)
	b = appendInt(b, u.thinking)
	return append(b, `}}`...)
}

// finishReason is the Chat finish_reason of a Messages stop_reason.
func finishReason(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop"
}

func (s *chatFromMessages) start(id gjson.Result) {
	s.prefix = s.head(s.prefix[:0], id, "chat.completion.chunk")
	s.prefix = append(s.prefix, `,"choices":[`...)
}

// head appends the opening fields of a Chat object: id (Anthropic's message id),
// object, created and model (the client's).
func (s *chatFromMessages) head(b []byte, id gjson.Result, object string) []byte {
	b = append(b, `{"id":`...)
	if id.Type == gjson.String {
		b = append(b, id.Raw...)
	} else {
		b = append(b, `"chatcmpl-tollgate"`...)
	}
	b = append(b, `,"object":"`...)
	b = append(b, object...)
	b = append(b, `","created":`...)
	b = strconv.AppendInt(b, s.created, 10)
	b = append(b, `,"model":`...)
	return appendString(b, s.x.ClientModel)
}

// chunk opens a data line with one choice whose delta follows.
func (s *chatFromMessages) chunk(out []byte) []byte {
	if len(s.prefix) == 0 {
		s.start(gjson.Result{})
	}
	out = append(out, "data: "...)
	out = append(out, s.prefix...)
	return append(out, `{"index":0,"delta":`...)
}

// endChunk closes a chunk opened by chunk.
func endChunk(out []byte, finish string) []byte {
	out = append(out, `,"logprobs":null,"finish_reason":`...)
	if finish == "" {
		out = append(out, "null"...)
	} else {
		out = append(out, '"')
		out = append(out, finish...)
		out = append(out, '"')
	}
	return append(out, "}]}\n\n"...)
}

func (s *chatFromMessages) event(out []byte, name string, data []byte) ([]byte, error) {
	if s.stopped {
		return out, nil
	}
	ev, ok := parseValid(data)
	if !ok {
		return out, ErrMalformed
	}
	typ := name
	if typ == "" {
		typ = ev.Get("type").Str
	}
	switch typ {
	case "message_start":
		msg := ev.Get("message")
		s.start(msg.Get("id"))
		s.u.merge(msg.Get("usage"))
		out = s.chunk(out)
		out = append(out, `{"role":"assistant","content":""}`...)
		return endChunk(out, ""), nil
	case "content_block_start":
		return s.blockStart(out, ev)
	case "content_block_delta":
		return s.delta(out, ev)
	case "content_block_stop":
		s.closeTool(ev.Get("index").Int())
	case "message_delta":
		s.u.merge(ev.Get("usage"))
		out = s.chunk(out)
		out = append(out, `{}`...)
		return endChunk(out, finishReason(ev.Get("delta.stop_reason").Str)), nil
	case "message_stop":
		s.stopped = true
		if s.x.IncludeUsage {
			out = append(out, "data: "...)
			if len(s.prefix) == 0 {
				s.start(gjson.Result{})
			}
			out = append(out, s.prefix...)
			out = append(out, `],"usage":`...)
			out = appendChatUsage(out, s.u)
			out = append(out, "}\n\n"...)
		}
		return append(out, "data: [DONE]\n\n"...), nil
	case "error":
		return out, &upstreamErr{anthropicError(ev, 0)}
	}
	return out, nil
}

func (s *chatFromMessages) blockStart(out []byte, ev gjson.Result) ([]byte, error) {
	blk := ev.Get("content_block")
	if blk.Get("type").Str != "tool_use" {
		return out, nil
	}
	id, name := blk.Get("id"), blk.Get("name")
	if id.Type != gjson.String || name.Type != gjson.String {
		return out, ErrMalformed
	}
	t := openTool{block: ev.Get("index").Int(), call: int64(s.nTools)}
	s.nTools++
	s.tools = append(s.tools, t)
	out = s.chunk(out)
	out = append(out, `{"tool_calls":[{"index":`...)
	out = appendInt(out, t.call)
	out = append(out, `,"id":`...)
	out = append(out, id.Raw...)
	out = append(out, `,"type":"function","function":{"name":`...)
	out = append(out, name.Raw...)
	out = append(out, `,"arguments":""}}]}`...)
	return endChunk(out, ""), nil
}

func (s *chatFromMessages) closeTool(block int64) {
	for i, t := range s.tools {
		if t.block == block {
			s.tools = append(s.tools[:i], s.tools[i+1:]...)
			return
		}
	}
}

func (s *chatFromMessages) delta(out []byte, ev gjson.Result) ([]byte, error) {
	d := ev.Get("delta")
	switch d.Get("type").Str {
	case "text_delta":
		return s.textDelta(out, "content", rget(d, "text"))
	case "thinking_delta":
		return s.textDelta(out, "reasoning_content", rget(d, "thinking"))
	case "input_json_delta":
		pj := rget(d, "partial_json")
		if pj.Type != gjson.String {
			return out, ErrMalformed
		}
		if isEmptyString(pj) {
			return out, nil
		}
		block := ev.Get("index").Int()
		for _, t := range s.tools {
			if t.block == block {
				out = s.chunk(out)
				out = append(out, `{"tool_calls":[{"index":`...)
				out = appendInt(out, t.call)
				out = append(out, `,"function":{"arguments":`...)
				out = append(out, pj.Raw...)
				out = append(out, `}}]}`...)
				return endChunk(out, ""), nil
			}
		}
		return out, ErrMalformed // arguments for no open tool_use block
	}
	return out, nil
}

func (s *chatFromMessages) textDelta(out []byte, field string, text gjson.Result) ([]byte, error) {
	if text.Type != gjson.String {
		return out, ErrMalformed
	}
	if isEmptyString(text) {
		return out, nil
	}
	out = s.chunk(out)
	out = append(out, `{"`...)
	out = append(out, field...)
	out = append(out, `":`...)
	out = append(out, text.Raw...)
	out = append(out, '}')
	return endChunk(out, ""), nil
}

func (s *chatFromMessages) end(out []byte) ([]byte, error) {
	if s.stopped {
		return out, nil
	}
	return out, ErrTruncated
}

func (s *chatFromMessages) fail(out []byte, err error, e *api.Error) []byte {
	s.stopped = true
	out = append(out, "data: "...)
	out = append(out, upstreamError(err, e).Body(api.OpenAIChat)...)
	return append(out, "\n\n"...)
}
