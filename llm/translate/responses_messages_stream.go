package translate

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Responses client, Messages upstream: the stream. Each Anthropic content block becomes
// one output item:
//
//	message_start          → response.created, response.in_progress
//	text block             → a message item: output_item.added, content_part.added,
//	                         output_text.delta per text_delta, then output_text.done,
//	                         content_part.done, output_item.done
//	thinking block         → a reasoning item: its thinking as the summary
//	                         (reasoning_summary_text.delta), the block itself (signature
//	                         included) carried in encrypted_content for the next request
//	tool_use block         → a function_call item (function_call_arguments.delta per
//	                         input_json_delta), or a custom_tool_call / local_shell_call
//	                         item for the request's custom and local_shell tools
//	message_stop           → response.completed (response.incomplete at max_tokens)
//	error, a cut stream    → response.failed
//
// The Responses protocol repeats each item whole in its .done events and every item in
// response.completed, so the text of the open block and the finished items are kept —
// memory grows with the answer, which the other translations never hold.

type responsesFromMessages struct {
	x       Exchange
	created int64
	seq     int64
	base    []byte // the Anthropic message id without "msg_": the stem of the item ids
	started bool
	stopped bool

	// The open block.
	kind    blockKind
	custom  toolKind
	block   int64 // its Anthropic index
	index   int64 // its output_index
	itemID  []byte
	callID  []byte // raw JSON
	name    []byte // raw JSON
	acc     []byte // the text, thinking or arguments so far, as the inside of a JSON string
	sig     []byte // a thinking block's signature so far, the same way
	tmp     []byte // a finished thinking block, or a tool's decoded input
	scratch []byte

	items []byte // the finished items, comma-separated, for response.completed
	nItem int64
	u     messagesUsage
	stop  string
}

// redactedBlock is an open redacted_thinking block (kept whole in acc).
const redactedBlock blockKind = 10

func newResponsesFromMessages(x Exchange) *responsesFromMessages {
	return &responsesFromMessages{x: x, created: now().Unix()}
}

// ev opens one event: the event line and data with type and sequence_number; the caller
// appends the rest of the object and closes it with endEvent.
func (s *responsesFromMessages) ev(out []byte, typ string) []byte {
	out = append(out, "event: "...)
	out = append(out, typ...)
	out = append(out, "\ndata: {\"type\":\""...)
	out = append(out, typ...)
	out = append(out, `","sequence_number":`...)
	out = appendInt(out, s.seq)
	s.seq++
	return out
}

func endEvent(out []byte) []byte { return append(out, "}\n\n"...) }

func (s *responsesFromMessages) start(out []byte, id gjson.Result) []byte {
	s.started = true
	stem := "tollgate"
	if id.Type == gjson.String && id.Str != "" && !containsByte(id.Raw, '\\') {
		stem = strings.TrimPrefix(id.Str, "msg_")
	}
	s.base = append(s.base[:0], stem...) // the event's bytes are reused after it
	out = s.ev(out, "response.created")
	out = endEvent(s.response(out, "in_progress", false, nil))
	out = s.ev(out, "response.in_progress")
	return endEvent(s.response(out, "in_progress", false, nil))
}

func (s *responsesFromMessages) event(out []byte, name string, data []byte) ([]byte, error) {
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
	if !s.started && typ != "error" {
		out = s.start(out, ev.Get("message.id"))
	}
	switch typ {
	case "message_start":
		s.u.merge(ev.Get("message.usage"))
	case "content_block_start":
		return s.blockStart(out, ev)
	case "content_block_delta":
		return s.delta(out, ev)
	case "content_block_stop":
		if ev.Get("index").Int() == s.block && s.kind != noBlock {
			return s.blockStop(out)
		}
	case "message_delta":
		s.u.merge(ev.Get("usage"))
		if r := ev.Get("delta.stop_reason"); r.Type == gjson.String {
			s.stop = r.Str
		}
	case "message_stop":
		s.stopped = true
		status, evType := "completed", "response.completed"
		if s.stop == "max_tokens" || s.stop == "model_context_window_exceeded" {
			status, evType = "incomplete", "response.incomplete"
		}
		out = s.ev(out, evType)
		return endEvent(s.response(out, status, true, nil)), nil
	case "error":
		return out, &upstreamErr{anthropicError(ev, 0)}
	}
	return out, nil
}

// itemID sets the open item's id: prefix, the message stem, the output index.
func (s *responsesFromMessages) setItemID(prefix string) {
	s.itemID = append(s.itemID[:0], prefix...)
	s.itemID = append(s.itemID, s.base...)
	s.itemID = append(s.itemID, '_')
	s.itemID = strconv.AppendInt(s.itemID, s.index, 10)
}

// itemHead appends the fields every item event carries: item_id and output_index.
func (s *responsesFromMessages) itemHead(out []byte) []byte {
	out = append(out, `,"item_id":"`...)
	out = append(out, s.itemID...)
	out = append(out, `","output_index":`...)
	return appendInt(out, s.index)
}

func (s *responsesFromMessages) blockStart(out []byte, ev gjson.Result) ([]byte, error) {
	blk := ev.Get("content_block")
	s.block, s.index = ev.Get("index").Int(), s.nItem
	s.acc, s.sig = s.acc[:0], s.sig[:0]
	switch blk.Get("type").Str {
	case "text":
		s.kind = textBlock
		s.setItemID("msg_")
		out = s.ev(out, "response.output_item.added")
		out = append(out, `,"output_index":`...)
		out = appendInt(out, s.index)
		out = append(out, `,"item":{"id":"`...)
		out = append(out, s.itemID...)
		out = endEvent(append(out, `","type":"message","status":"in_progress","role":"assistant","content":[]}`...))
		out = s.ev(out, "response.content_part.added")
		out = s.itemHead(out)
		return endEvent(append(out, `,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}`...)), nil
	case "thinking", "redacted_thinking":
		s.kind = thinkingBlock
		if blk.Get("type").Str == "redacted_thinking" {
			s.kind = redactedBlock
			s.acc = append(s.acc, blk.Raw...)
		}
		s.setItemID("rs_")
		out = s.ev(out, "response.output_item.added")
		out = append(out, `,"output_index":`...)
		out = appendInt(out, s.index)
		out = append(out, `,"item":{"id":"`...)
		out = append(out, s.itemID...)
		out = endEvent(append(out, `","type":"reasoning","summary":[]}`...))
		if s.kind == redactedBlock {
			return out, nil
		}
		out = s.ev(out, "response.reasoning_summary_part.added")
		out = s.itemHead(out)
		return endEvent(append(out, `,"summary_index":0,"part":{"type":"summary_text","text":""}`...)), nil
	case "tool_use":
		id, name := blk.Get("id"), blk.Get("name")
		if id.Type != gjson.String || name.Type != gjson.String {
			return out, ErrMalformed
		}
		s.kind = toolBlock
		s.callID = append(s.callID[:0], id.Raw...)
		s.name = append(s.name[:0], name.Raw...)
		s.custom = s.x.tools[name.Str]
		prefix, typ, field := "fc_", "function_call", `,"arguments":""`
		switch s.custom {
		case customTool:
			prefix, typ, field = "ctc_", "custom_tool_call", `,"input":""`
		case shellTool:
			prefix, typ, field = "lsh_", "local_shell_call", ""
		}
		s.setItemID(prefix)
		out = s.ev(out, "response.output_item.added")
		out = append(out, `,"output_index":`...)
		out = appendInt(out, s.index)
		out = append(out, `,"item":{"id":"`...)
		out = append(out, s.itemID...)
		out = append(out, `","type":"`...)
		out = append(out, typ...)
		out = append(out, `","status":"in_progress","call_id":`...)
		out = append(out, id.Raw...)
		if s.custom != shellTool {
			out = append(out, `,"name":`...)
			out = append(out, name.Raw...)
		}
		out = append(out, field...)
		return endEvent(append(out, '}')), nil
	}
	s.kind = noBlock // server tool blocks, citations…: no item
	return out, nil
}

// appendInner appends the inside of a JSON string's raw text.
func appendInner(b []byte, r gjson.Result) []byte {
	if len(r.Raw) < 2 {
		return b
	}
	return append(b, r.Raw[1:len(r.Raw)-1]...)
}

func (s *responsesFromMessages) delta(out []byte, ev gjson.Result) ([]byte, error) {
	if ev.Get("index").Int() != s.block || s.kind == noBlock {
		return out, nil
	}
	d := ev.Get("delta")
	var field string
	switch d.Get("type").Str {
	case "text_delta":
		field = "text"
	case "thinking_delta":
		field = "thinking"
	case "signature_delta":
		sig := rget(d, "signature")
		if sig.Type != gjson.String {
			return out, ErrMalformed
		}
		s.sig = appendInner(s.sig, sig)
		return out, nil
	case "input_json_delta":
		field = "partial_json"
	default:
		return out, nil
	}
	text := rget(d, field)
	if text.Type != gjson.String {
		return out, ErrMalformed
	}
	if isEmptyString(text) {
		return out, nil
	}
	s.acc = appendInner(s.acc, text)
	switch {
	case s.kind == textBlock:
		out = s.ev(out, "response.output_text.delta")
		out = s.itemHead(out)
		out = append(out, `,"content_index":0,"delta":`...)
		out = append(out, text.Raw...)
		return endEvent(append(out, `,"logprobs":[]`...)), nil
	case s.kind == thinkingBlock:
		out = s.ev(out, "response.reasoning_summary_text.delta")
		out = s.itemHead(out)
		out = append(out, `,"summary_index":0,"delta":`...)
		return endEvent(append(out, text.Raw...)), nil
	case s.kind == toolBlock && s.custom == functionTool:
		out = s.ev(out, "response.function_call_arguments.delta")
		out = s.itemHead(out)
		out = append(out, `,"delta":`...)
		return endEvent(append(out, text.Raw...)), nil
	}
	return out, nil
}

func (s *responsesFromMessages) end(out []byte) ([]byte, error) {
	if s.stopped {
		return out, nil
	}
	return out, ErrTruncated
}
