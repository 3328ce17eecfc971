package translate

import (
	"bytes"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Messages client, Chat Completions upstream: the stream. Chat chunks carry deltas
// without blocks; the blocks are made here, one open at a time:
//
//	first chunk                       → message_start
//	delta.reasoning_content/reasoning → a thinking block's thinking_delta
//	delta.content                     → a text block's text_delta
//	delta.tool_calls[] with an id     → a tool_use block (content_block_start)
//	delta.tool_calls[].function.arguments → its input_json_delta
//	finish_reason, usage chunk        → kept for the end
//	[DONE] (or the end after a finish_reason) → content_block_stop, message_delta
//	                                     (stop_reason and the whole usage), message_stop
//	a chunk with "error"              → an error event, and the end
//
// A new kind of delta closes the open block and opens the next. Only choice 0 is read.

type messagesFromChat struct {
	x       Exchange
	started bool
	stopped bool
	open    blockKind
	blocks  int64 // blocks so far: the next one's index
	// tools maps the Chat index of the tool calls so far to their block index.
	tools  []openTool
	finish string // the Messages stop_reason, once a finish_reason came
	u      chatUsage
}

type blockKind uint8

const (
	noBlock blockKind = iota
	textBlock
	thinkingBlock
	toolBlock
)

// maxToolCalls bounds the tool calls remembered for their argument deltas.
const maxToolCalls = 256

// chatUsage is a Chat usage object's counts.
type chatUsage struct {
	prompt, completion, cached, written int64
	seen                                bool
}

func (u *chatUsage) read(r gjson.Result) {
	u.seen = true
	u.prompt = r.Get("prompt_tokens").Int()
	u.completion = r.Get("completion_tokens").Int()
	u.cached = r.Get("prompt_tokens_details.cached_tokens").Int()
	u.written = r.Get("prompt_tokens_details.cache_write_tokens").Int()
}

// appendMessagesUsage appends u as a Messages usage object: input_tokens without the
// cached and cache-written tokens, as Anthropic's does.
func appendMessagesUsage(b []byte, u chatUsage) []byte {
	input := u.prompt - u.cached - u.written
	if input < 0 {
		input = 0
	}
	b = append(b, `{"input_tokens":`...)
	b = appendInt(b, input)
	b = append(b, `,"cache_creation_input_tokens":`...)
	b = appendInt(b, u.written)
	b = append(b, `,"cache_read_input_tokens":`...)
	b = appendInt(b, u.cached)
	b = append(b, `,"output_tokens":`...)
	b = appendInt(b, u.completion)
	return append(b, '}')
}

// stopReason is the Messages stop_reason of a Chat finish_reason.
func stopReason(finish string) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

func newMessagesFromChat(x Exchange) *messagesFromChat { return &messagesFromChat{x: x} }

// sse appends one Anthropic event: its name line, then data opened with {"type":name
// for the caller to complete.
func sseEvent(out []byte, name string) []byte {
	out = append(out, "event: "...)
	out = append(out, name...)
	out = append(out, "\ndata: {\"type\":\""...)
	out = append(out, name...)
	return append(out, '"')
}

func (s *messagesFromChat) messageStart(out []byte, id gjson.Result) []byte {
	s.started = true
	out = sseEvent(out, "message_start")
	out = append(out, `,"message":{"id":`...)
	if id.Type == gjson.String {
		out = append(out, id.Raw...)
	} else {
		out = append(out, `"msg_tollgate"`...)
	}
	out = append(out, `,"type":"message","role":"assistant","model":`...)
	out = appendString(out, s.x.ClientModel)
	out = append(out, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}`...)
	return append(out, "\n\n"...)
}

func (s *messagesFromChat) event(out []byte, _ string, data []byte) ([]byte, error) {
	if s.stopped {
		return out, nil
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
		return s.finishStream(out), nil
	}
	ch, ok := parseValid(data)
	if !ok {
		return out, ErrMalformed
	}
	if e := ch.Get("error"); e.Exists() {
		return out, &upstreamErr{openAIError(ch, 0)}
	}
	if !s.started {
		out = s.messageStart(out, ch.Get("id"))
	}
	if u := ch.Get("usage"); u.IsObject() {
		s.u.read(u)
	}
	c := ch.Get("choices.0")
	if !c.Exists() {
		return out, nil
	}
	d := c.Get("delta")
	var err error
	for _, f := range [...]string{"reasoning_content", "reasoning"} {
		if t := rget(d, f); isText(t) {
			out = s.textDelta(out, thinkingBlock, t)
			break
		}
	}
	if t := rget(d, "content"); isText(t) {
		out = s.textDelta(out, textBlock, t)
	}
	d.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		out, err = s.toolDelta(out, tc)
		return err == nil
	})
	if f := c.Get("finish_reason"); f.Type == gjson.String && f.Str != "" {
		s.finish = stopReason(f.Str)
	}
	return out, err
}

// block makes a block of kind the open one, closing the open block of another kind.
// It reports whether a new block must be started.
func (s *messagesFromChat) block(out []byte, kind blockKind) ([]byte, bool) {
	if s.open == kind && kind != toolBlock {
		return out, false
	}
	out = s.closeBlock(out)
	s.open = kind
	s.blocks++
	return out, true
}

func (s *messagesFromChat) closeBlock(out []byte) []byte {
	if s.open == noBlock {
		return out
	}
	s.open = noBlock
	out = sseEvent(out, "content_block_stop")
	out = append(out, `,"index":`...)
	out = appendInt(out, s.blocks-1)
	return append(out, "}\n\n"...)
}

func (s *messagesFromChat) textDelta(out []byte, kind blockKind, text gjson.Result) []byte {
	field, delta := "text", "text_delta"
	if kind == thinkingBlock {
		field, delta = "thinking", "thinking_delta"
	}
	var start bool
	if out, start = s.block(out, kind); start {
		out = sseEvent(out, "content_block_start")
		out = append(out, `,"index":`...)
		out = appendInt(out, s.blocks-1)
		out = append(out, `,"content_block":{"type":"`...)
		out = append(out, field...)
		out = append(out, `","`...)
		out = append(out, field...)
		out = append(out, `":""`...)
		if kind == thinkingBlock {
			out = append(out, `,"signature":""`...)
		}
		out = append(out, "}}\n\n"...)
	}
	out = sseEvent(out, "content_block_delta")
	out = append(out, `,"index":`...)
	out = appendInt(out, s.blocks-1)
	out = append(out, `,"delta":{"type":"`...)
	out = append(out, delta...)
	out = append(out, `","`...)
	out = append(out, field...)
	out = append(out, `":`...)
	out = append(out, text.Raw...)
	return append(out, "}}\n\n"...)
}

func (s *messagesFromChat) toolDelta(out []byte, tc gjson.Result) ([]byte, error) {
	index := tc.Get("index").Int()
	if id := tc.Get("id"); id.Type == gjson.String && id.Str != "" {
		name := tc.Get("function.name")
		if name.Type != gjson.String {
			return out, ErrMalformed
		}
		if len(s.tools) >= maxToolCalls {
			s.tools = s.tools[1:]
		}
		out, _ = s.block(out, toolBlock)
		s.tools = append(s.tools, openTool{block: s.blocks - 1, call: index})
		out = sseEvent(out, "content_block_start")
		out = append(out, `,"index":`...)
		out = appendInt(out, s.blocks-1)
		out = append(out, `,"content_block":{"type":"tool_use","id":`...)
		out = append(out, id.Raw...)
		out = append(out, `,"name":`...)
		out = append(out, name.Raw...)
		out = append(out, ",\"input\":{}}}\n\n"...)
	}
	args := rget(rget(tc, "function"), "arguments")
	if !isText(args) {
		return out, nil
	}
	block := int64(-1)
	for i := len(s.tools) - 1; i >= 0; i-- {
		if s.tools[i].call == index {
			block = s.tools[i].block
			break
		}
	}
	if block < 0 {
		return out, ErrMalformed // arguments for a tool call that never started
	}
	out = sseEvent(out, "content_block_delta")
	out = append(out, `,"index":`...)
	out = appendInt(out, block)
	out = append(out, `,"delta":{"type":"input_json_delta","partial_json":`...)
	out = append(out, args.Raw...)
	return append(out, "}}\n\n"...), nil
}

// finishStream ends the client's stream: the open block, message_delta with the stop
// reason and the whole usage, message_stop.
func (s *messagesFromChat) finishStream(out []byte) []byte {
	if !s.started {
		out = s.messageStart(out, gjson.Result{})
	}
	out = s.closeBlock(out)
	s.stopped = true
	stop := s.finish
	if stop == "" {
		stop = "end_turn"
	}
	out = sseEvent(out, "message_delta")
	out = append(out, `,"delta":{"stop_reason":"`...)
	out = append(out, stop...)
	out = append(out, `","stop_sequence":null},"usage":`...)
	out = appendMessagesUsage(out, s.u)
	out = append(out, "}\n\n"...)
	out = sseEvent(out, "message_stop")
	return append(out, "}\n\n"...)
}

func (s *messagesFromChat) end(out []byte) ([]byte, error) {
	switch {
	case s.stopped:
		return out, nil
	case s.finish != "": // no [DONE], but the answer was complete
		return s.finishStream(out), nil
	}
	return out, ErrTruncated
}

func (s *messagesFromChat) fail(out []byte, err error, e *api.Error) []byte {
	s.stopped = true
	out = append(out, "event: error\ndata: "...)
	out = append(out, upstreamError(err, e).Body(api.AnthropicMessages)...)
	return append(out, "\n\n"...)
}
