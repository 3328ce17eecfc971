package translate

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Chat Completions client, Messages upstream: the conversation. System and developer
// messages become the top-level system; tool messages become tool_result blocks of a
// user turn; consecutive messages of one role are merged into one turn (tool results
// first, as Messages require).

// chatSystem writes the system and developer messages as system text blocks.
func chatSystem(b []byte, messages gjson.Result) []byte {
	open := false
	messages.ForEach(func(_, m gjson.Result) bool {
		if role := m.Get("role").Str; role != "system" && role != "developer" {
			return true
		}
		forEachText(rget(m, "content"), func(text gjson.Result) {
			if !open {
				b = appendKey(b, "system")
				b = append(b, '[')
				open = true
			} else {
				b = append(b, ',')
			}
			b = append(b, `{"type":"text","text":`...)
			b = append(b, text.Raw...)
			b = append(b, '}')
		})
		return true
	})
	if open {
		b = append(b, ']')
	}
	return b
}

// forEachText calls f with each non-empty text of a content: a string, or the text
// parts of an array.
func forEachText(content gjson.Result, f func(text gjson.Result)) {
	switch {
	case content.Type == gjson.String:
		if isText(content) {
			f(content)
		}
	case content.IsArray():
		content.ForEach(func(_, p gjson.Result) bool {
			if t := rget(p, "text"); isText(t) {
				f(t)
			}
			return true
		})
	}
}

// chatConv is the state of one conversation's translation.
type chatConv struct {
	turns
	o *Options
	// calls are the ids of the tool calls made so far; a tool message must answer one.
	calls map[string]struct{}
}

// chatMessages writes the messages (all but system and developer ones). noThinking
// reports that Messages would refuse thinking for them (turns.thinkingRefused).
func chatMessages(b []byte, messages gjson.Result, o *Options) (_ []byte, noThinking bool, err error) {
	c := chatConv{turns: turns{b: appendKey(b, "messages")}, o: o}
	c.b = append(c.b, '[')
	messages.ForEach(func(_, m gjson.Result) bool {
		err = c.message(m)
		return err == nil
	})
	if err != nil {
		return nil, false, err
	}
	c.close()
	return append(c.b, ']'), c.thinkingRefused(), nil
}

func (c *chatConv) message(m gjson.Result) error {
	if m.Get("name").Exists() {
		c.o.drop("message_name")
	}
	switch role := m.Get("role").Str; role {
	case "system", "developer":
		return nil // in system
	case "user":
		return c.parts("user", rget(m, "content"), false)
	case "assistant":
		return c.assistant(m)
	case "tool":
		return c.toolResult(m)
	case "function":
		return badRequest("messages: role \"function\" (the deprecated function calling) cannot be translated; use tools")
	default:
		return badRequest("messages: unknown role %q", role)
	}
}

func (c *chatConv) assistant(m gjson.Result) error {
	for _, f := range [...]string{"function_call", "audio", "reasoning_content"} {
		if v := m.Get(f); v.Exists() && v.Type != gjson.Null {
			c.o.drop(f)
		}
	}
	if err := c.parts("assistant", rget(m, "content"), true); err != nil {
		return err
	}
	var err error
	m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		err = c.toolUse(tc)
		return err == nil
	})
	return err
}

// toolUse writes an assistant's tool call as a tool_use block.
func (c *chatConv) toolUse(tc gjson.Result) error {
	id, name := tc.Get("id"), tc.Get("function.name")
	if id.Type != gjson.String || id.Str == "" || name.Type != gjson.String {
		return badRequest("messages: a tool call needs a string id and function.name")
	}
	if t := tc.Get("type").Str; t != "" && t != "function" {
		return badRequest("messages: tool calls of type %q cannot be translated", t)
	}
	args := strings.TrimSpace(tc.Get("function.arguments").Str)
	if args == "" {
		args = "{}"
	}
	if !jsonlimit.ValidString(args) || !gjson.Parse(args).IsObject() {
		return badRequest("messages: the arguments of tool call %q are not a JSON object", id.Str)
	}
	if c.calls == nil {
		c.calls = map[string]struct{}{}
	}
	c.calls[id.Str] = struct{}{}
	c.block("assistant")
	c.markToolUse()
	c.b = append(c.b, `{"type":"tool_use","id":`...)
	c.b = append(c.b, id.Raw...)
	c.b = append(c.b, `,"name":`...)
	c.b = append(c.b, name.Raw...)
	c.b = append(c.b, `,"input":`...)
	c.b = append(c.b, args...)
	c.b = append(c.b, '}')
	return nil
}

// toolResult writes a tool message as a tool_result block of a user turn.
func (c *chatConv) toolResult(m gjson.Result) error {
	id := m.Get("tool_call_id")
	if _, ok := c.calls[id.Str]; !ok || id.Type != gjson.String {
		return badRequest("messages: the tool message with tool_call_id %s answers no tool call of an earlier assistant message", orNull(id))
	}
	c.block("user")
	c.b = append(c.b, `{"type":"tool_result","tool_use_id":`...)
	c.b = append(c.b, id.Raw...)
	content := rget(m, "content")
	switch {
	case isText(content):
		c.b = append(c.b, `,"content":`...)
		c.b = append(c.b, content.Raw...)
	case content.IsArray():
		c.b = append(c.b, `,"content":[`...)
		var err error
		first := true
		content.ForEach(func(_, p gjson.Result) bool {
			if isEmptyText(p) {
				return true
			}
			if !first {
				c.b = append(c.b, ',')
			}
			first = false
			c.b, err = c.part(c.b, p, false)
			return err == nil
		})
		if err != nil {
			return err
		}
		c.b = append(c.b, ']')
	}
	c.b = append(c.b, '}')
	return nil
}

// parts writes a message's content (a string or an array of parts) as blocks of a turn
// of role. assistant content may hold refusal parts (as text).
func (c *chatConv) parts(role string, content gjson.Result, assistant bool) error {
	switch {
	case content.Type == gjson.String:
		if isText(content) {
			c.block(role)
			c.b = append(c.b, `{"type":"text","text":`...)
			c.b = append(c.b, content.Raw...)
			c.b = append(c.b, '}')
		}
		return nil
	case content.IsArray():
		var err error
		content.ForEach(func(_, p gjson.Result) bool {
			if isEmptyText(p) {
				return true
			}
			c.block(role)
			c.b, err = c.part(c.b, p, assistant)
			return err == nil
		})
		return err
	case content.Exists() && content.Type != gjson.Null:
		return badRequest("messages: content must be a string or an array of parts")
	}
	return nil
}

func isEmptyText(p gjson.Result) bool {
	t := p.Get("type").Str
	return (t == "text" || t == "refusal") && isEmptyString(rget(p, t))
}

// part appends one content part as a Messages block.
func (c *chatConv) part(b []byte, p gjson.Result, assistant bool) ([]byte, error) {
	switch t := p.Get("type").Str; t {
	case "text", "refusal":
		if t == "refusal" && !assistant {
			break
		}
		b = append(b, `{"type":"text","text":`...)
		var err error
		if b, err = appendText(b, rget(p, t), "the "+t+" of a content part"); err != nil {
			return nil, err
		}
		if cc := p.Get("cache_control"); cc.IsObject() {
			b = append(b, `,"cache_control":`...)
			b = append(b, cc.Raw...)
		}
		return append(b, '}'), nil
	case "image_url":
		if assistant {
			break
		}
		if p.Get("image_url.detail").Exists() {
			c.o.drop("image_detail")
		}
		return appendImage(b, p.Get("image_url.url"), c.o)
	case "file":
		if assistant {
			break
		}
		return appendDocument(b, p.Get("file"))
	}
	return nil, badRequest("messages: content parts of type %q cannot be translated to Anthropic's Messages API", p.Get("type").Str)
}

// orNull is r's raw JSON, or null when r is absent.
func orNull(r gjson.Result) string {
	if r.Raw == "" {
		return "null"
	}
	return r.Raw
}
