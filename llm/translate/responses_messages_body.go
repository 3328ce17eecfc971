package translate

import (
	"github.com/tidwall/gjson"
)

// Responses client, Messages upstream: a response not streamed. The message's blocks
// become output items the way the stream's do (responses_messages_stream.go), by feeding
// them through the same item writer.

func (s *responsesFromMessages) body(out []byte, body []byte) ([]byte, error) {
	msg, ok := parseValid(body)
	if !ok {
		return out, ErrMalformed
	}
	if msg.Get("type").Str == "error" {
		return out, &upstreamErr{anthropicError(msg, 0)}
	}
	content := msg.Get("content")
	if !content.IsArray() {
		return out, ErrMalformed
	}
	s.start(nil, msg.Get("id")) // sets the id stem; its events are not sent
	var err error
	var sink []byte // the events of the items, not sent either
	content.ForEach(func(i, blk gjson.Result) bool {
		sink, err = s.wholeBlock(sink[:0], i.Int(), blk)
		return err == nil
	})
	if err != nil {
		return out, err
	}
	s.u.merge(msg.Get("usage"))
	status := "completed"
	if r := msg.Get("stop_reason").Str; r == "max_tokens" || r == "model_context_window_exceeded" {
		status = "incomplete"
	}
	head := len(out)
	out = s.response(out, status, true, nil)
	// response() writes `,"response":{…}`: the body is the object alone.
	return append(out[:head], out[head+len(`,"response":`):]...), nil
}

// wholeBlock runs one block of a whole message through the stream's block writer.
func (s *responsesFromMessages) wholeBlock(out []byte, index int64, blk gjson.Result) ([]byte, error) {
	start := []byte(`{"type":"content_block_start","index":` + itoa(index) + `,"content_block":{"type":` + blk.Get("type").Raw)
	switch blk.Get("type").Str {
	case "tool_use":
		start = append(start, `,"id":`+orNull(blk.Get("id"))+`,"name":`+orNull(blk.Get("name"))...)
	case "redacted_thinking":
		start = append(start[:0], `{"type":"content_block_start","index":`+itoa(index)+`,"content_block":`+blk.Raw...)
		start = append(start, '}')
		return s.replay(out, start, nil, index)
	}
	start = append(start, `}}`...)
	var delta []byte
	switch blk.Get("type").Str {
	case "text":
		delta = []byte(`{"type":"text_delta","text":` + orEmptyString(blk.Get("text")) + `}`)
	case "thinking":
		delta = []byte(`{"type":"thinking_delta","thinking":` + orEmptyString(blk.Get("thinking")) + `}`)
		var err error
		if out, err = s.replay(out, start, delta, -1); err != nil {
			return out, err
		}
		sig := `{"type":"signature_delta","signature":` + orEmptyString(blk.Get("signature")) + `}`
		return s.replay(out, nil, []byte(sig), index)
	case "tool_use":
		in := blk.Get("input")
		if !in.IsObject() {
			in = gjson.Parse(`{}`)
		}
		delta = appendString([]byte(`{"type":"input_json_delta","partial_json":`), in.Raw)
		delta = append(delta, '}')
	}
	return s.replay(out, start, delta, index)
}

// replay feeds a block start, a delta and (index ≥ 0) the block's stop to the stream
// writer.
func (s *responsesFromMessages) replay(out, start, delta []byte, index int64) ([]byte, error) {
	var err error
	if start != nil {
		if out, err = s.event(out, "content_block_start", start); err != nil {
			return out, err
		}
	}
	if delta != nil {
		d := append([]byte(`{"type":"content_block_delta","index":`+itoa(s.block)+`,"delta":`), delta...)
		if out, err = s.event(out, "content_block_delta", append(d, '}')); err != nil {
			return out, err
		}
	}
	if index >= 0 {
		return s.event(out, "content_block_stop", []byte(`{"type":"content_block_stop","index":`+itoa(index)+`}`))
	}
	return out, nil
}

func itoa(n int64) string { return string(appendInt(nil, n)) }
