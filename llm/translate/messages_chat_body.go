package translate

import (
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Messages client, Chat Completions upstream: a response not streamed. Choice 0's
// message becomes the content: reasoning_content a thinking block (no signature), the
// content a text block, each tool call a tool_use block (arguments that are not a JSON
// object become {}, as the Anthropic SDKs make of them).

func (s *messagesFromChat) body(out []byte, body []byte) ([]byte, error) {
	ch, ok := parseValid(body)
	if !ok {
		return out, ErrMalformed
	}
	if ch.Get("error").Exists() {
		return out, &upstreamErr{openAIError(ch, 0)}
	}
	msg := ch.Get("choices.0.message")
	if !msg.IsObject() {
		return out, ErrMalformed
	}
	out = append(out, `{"id":`...)
	if id := ch.Get("id"); id.Type == gjson.String {
		out = append(out, id.Raw...)
	} else {
		out = append(out, `"msg_tollgate"`...)
	}
	out = append(out, `,"type":"message","role":"assistant","model":`...)
	out = appendString(out, s.x.ClientModel)
	out = append(out, `,"content":[`...)
	n := 0
	block := func() {
		if n > 0 {
			out = append(out, ',')
		}
		n++
	}
	for _, f := range [...]string{"reasoning_content", "reasoning"} {
		if t := rget(msg, f); isText(t) {
			block()
			out = append(out, `{"type":"thinking","thinking":`...)
			out = append(out, t.Raw...)
			out = append(out, `,"signature":""}`...)
			break
		}
	}
	if t := rget(msg, "content"); isText(t) {
		block()
		out = append(out, `{"type":"text","text":`...)
		out = append(out, t.Raw...)
		out = append(out, '}')
	}
	msg.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		block()
		out = append(out, `{"type":"tool_use","id":`...)
		out = append(out, orNull(tc.Get("id"))...)
		out = append(out, `,"name":`...)
		out = append(out, orNull(tc.Get("function.name"))...)
		out = append(out, `,"input":`...)
		args := tc.Get("function.arguments").Str
		if jsonlimit.ValidString(args) && gjson.Parse(args).IsObject() {
			out = append(out, args...)
		} else {
			out = append(out, `{}`...)
		}
		out = append(out, '}')
		return true
	})
	out = append(out, `],"stop_reason":"`...)
	out = append(out, stopReason(ch.Get("choices.0.finish_reason").Str)...)
	out = append(out, `","stop_sequence":null,"usage":`...)
	var u chatUsage
	if r := ch.Get("usage"); r.IsObject() {
		u.read(r)
	}
	out = appendMessagesUsage(out, u)
	return append(out, '}'), nil
}
