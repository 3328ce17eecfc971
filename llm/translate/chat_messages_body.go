package translate

import (
	"github.com/tidwall/gjson"
)

// Chat Completions client, Messages upstream: a response not streamed. The message's
// text blocks become the content, its thinking blocks reasoning_content, its tool_use
// blocks tool_calls; stop_reason becomes finish_reason and usage is mapped as in the
// stream's usage chunk.

func (s *chatFromMessages) body(out []byte, body []byte) ([]byte, error) {
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
	out = s.head(out, msg.Get("id"), "chat.completion")
	out = append(out, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	out = appendJoined(out, content, "text", "text")
	if hasBlock(content, "thinking") {
		out = append(out, `,"reasoning_content":`...)
		out = appendJoined(out, content, "thinking", "thinking")
	}
	if hasBlock(content, "tool_use") {
		out = append(out, `,"tool_calls":[`...)
		n := 0
		content.ForEach(func(_, blk gjson.Result) bool {
			if blk.Get("type").Str != "tool_use" {
				return true
			}
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = append(out, `{"id":`...)
			out = append(out, orNull(blk.Get("id"))...)
			out = append(out, `,"type":"function","function":{"name":`...)
			out = append(out, orNull(blk.Get("name"))...)
			out = append(out, `,"arguments":`...)
			if in := blk.Get("input"); in.IsObject() {
				out = appendString(out, in.Raw)
			} else {
				out = append(out, `"{}"`...)
			}
			out = append(out, `}}`...)
			return true
		})
		out = append(out, ']')
	}
	out = append(out, `},"logprobs":null,"finish_reason":"`...)
	out = append(out, finishReason(msg.Get("stop_reason").Str)...)
	out = append(out, `"}],"usage":`...)
	var u messagesUsage
	u.merge(msg.Get("usage"))
	out = appendChatUsage(out, u)
	return append(out, '}'), nil
}

// hasBlock reports whether content has a block of type typ.
func hasBlock(content gjson.Result, typ string) bool {
	found := false
	content.ForEach(func(_, blk gjson.Result) bool {
		found = blk.Get("type").Str == typ
		return !found
	})
	return found
}

// appendJoined appends the field of content's blocks of type typ, joined into one JSON
// string (null when there is none). One block is copied as it is.
func appendJoined(b []byte, content gjson.Result, typ, field string) []byte {
	var first gjson.Result
	n := 0
	content.ForEach(func(_, blk gjson.Result) bool {
		if blk.Get("type").Str == typ && blk.Get(field).Type == gjson.String {
			if n == 0 {
				first = blk.Get(field)
			}
			n++
		}
		return true
	})
	switch n {
	case 0:
		return append(b, "null"...)
	case 1:
		return append(b, first.Raw...)
	}
	b = append(b, '"')
	content.ForEach(func(_, blk gjson.Result) bool {
		if blk.Get("type").Str == typ {
			if t := blk.Get(field); t.Type == gjson.String {
				b = appendStringBody(b, t.Str)
			}
		}
		return true
	})
	return append(b, '"')
}
