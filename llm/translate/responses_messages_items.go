package translate

import (
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Responses client, Messages upstream: the finished items, from the block that ends —
// each repeated whole in output_item.done and kept for response.completed.

// itemDone appends output_item.done with the item, and keeps the item for
// response.completed.
func (s *responsesFromMessages) itemDone(out []byte, item []byte) []byte {
	out = s.ev(out, "response.output_item.done")
	out = append(out, `,"output_index":`...)
	out = appendInt(out, s.index)
	out = append(out, `,"item":`...)
	out = endEvent(append(out, item...))
	if s.nItem > 0 {
		s.items = append(s.items, ',')
	}
	s.items = append(s.items, item...)
	s.nItem++
	s.kind = noBlock
	return out
}

func (s *responsesFromMessages) blockStop(out []byte) ([]byte, error) {
	it := s.scratch[:0]
	defer func() { s.scratch = it[:0] }()
	switch s.kind {
	case textBlock:
		out = s.ev(out, "response.output_text.done")
		out = s.itemHead(out)
		out = append(out, `,"content_index":0,"text":"`...)
		out = append(out, s.acc...)
		out = endEvent(append(out, `","logprobs":[]`...))
		out = s.ev(out, "response.content_part.done")
		out = s.itemHead(out)
		out = append(out, `,"content_index":0,"part":{"type":"output_text","text":"`...)
		out = append(out, s.acc...)
		out = endEvent(append(out, `","annotations":[]}`...))
		it = append(it, `{"id":"`...)
		it = append(it, s.itemID...)
		it = append(it, `","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"`...)
		it = append(it, s.acc...)
		it = append(it, `","annotations":[]}]}`...)
	case thinkingBlock, redactedBlock:
		blk := s.acc // redacted: the block as it came
		if s.kind == thinkingBlock {
			out = s.ev(out, "response.reasoning_summary_text.done")
			out = s.itemHead(out)
			out = append(out, `,"summary_index":0,"text":"`...)
			out = append(out, s.acc...)
			out = endEvent(append(out, '"'))
			out = s.ev(out, "response.reasoning_summary_part.done")
			out = s.itemHead(out)
			out = append(out, `,"summary_index":0,"part":{"type":"summary_text","text":"`...)
			out = append(out, s.acc...)
			out = endEvent(append(out, `"}`...))
			blk = append(s.tmp[:0], `{"type":"thinking","thinking":"`...)
			blk = append(blk, s.acc...)
			blk = append(blk, `","signature":"`...)
			blk = append(blk, s.sig...)
			blk = append(blk, `"}`...)
			s.tmp = blk
		}
		it = append(it, `{"id":"`...)
		it = append(it, s.itemID...)
		it = append(it, `","type":"reasoning","summary":[`...)
		if s.kind == thinkingBlock {
			it = append(it, `{"type":"summary_text","text":"`...)
			it = append(it, s.acc...)
			it = append(it, `"}`...)
		}
		it = append(it, `],"encrypted_content":`...)
		it = carryThinking(it, blk)
		it = append(it, '}')
	case toolBlock:
		var err error
		if it, err = s.toolItem(it); err != nil {
			return out, err
		}
		if s.custom == functionTool {
			out = s.ev(out, "response.function_call_arguments.done")
			out = s.itemHead(out)
			out = append(out, `,"arguments":"`...)
			out = append(out, s.args()...)
			out = endEvent(append(out, '"'))
		}
	}
	return s.itemDone(out, it), nil
}

// args is the arguments so far, {} when the tool took none.
func (s *responsesFromMessages) args() []byte {
	if len(s.acc) == 0 {
		return []byte(`{}`)
	}
	return s.acc
}

// toolItem appends the finished item of a tool_use block.
func (s *responsesFromMessages) toolItem(it []byte) ([]byte, error) {
	it = append(it, `{"id":"`...)
	it = append(it, s.itemID...)
	switch s.custom {
	case functionTool:
		it = append(it, `","type":"function_call","status":"completed","call_id":`...)
		it = append(it, s.callID...)
		it = append(it, `,"name":`...)
		it = append(it, s.name...)
		it = append(it, `,"arguments":"`...)
		it = append(it, s.args()...)
		return append(it, `"}`...), nil
	}
	// The input is a JSON object inside the string s.acc holds: decode it once.
	s.tmp = append(append(append(s.tmp[:0], '"'), s.acc...), '"')
	input := gjson.ParseBytes(s.tmp).Str
	if !jsonlimit.ValidString(input) {
		input = "{}"
	}
	if s.custom == customTool {
		it = append(it, `","type":"custom_tool_call","status":"completed","call_id":`...)
		it = append(it, s.callID...)
		it = append(it, `,"name":`...)
		it = append(it, s.name...)
		it = append(it, `,"input":`...)
		it = append(it, orEmptyString(gjson.Get(input, "input"))...)
		return append(it, '}'), nil
	}
	it = append(it, `","type":"local_shell_call","status":"completed","call_id":`...)
	it = append(it, s.callID...)
	it = append(it, `,"action":`...)
	if a := gjson.Parse(input); a.IsObject() {
		it = append(it, a.Raw...)
	} else {
		it = append(it, `{"type":"exec","command":[]}`...)
	}
	return append(it, '}'), nil
}
