package translate

import (
	"github.com/tidwall/gjson"
)

// Messages client, Chat Completions upstream: the conversation. A user turn's
// tool_result blocks become tool messages, written before the rest of the turn (Chat
// wants them right after the assistant's tool calls); images inside tool results, which
// Chat tool messages cannot hold, follow in the user message. An assistant turn becomes
// one message with its text and its tool_use blocks as tool_calls. Thinking blocks carry
// Anthropic signatures no other provider reads: they are dropped.

// messagesConv is the state of one conversation's translation.
type messagesConv struct {
	b []byte
	o *Options
	// calls are the ids of the tool_use blocks so far; a tool_result must answer one.
	calls map[string]struct{}
}

// messagesTurns writes the turns as Chat messages, after the system message if any.
func messagesTurns(b []byte, turns gjson.Result, o *Options) ([]byte, error) {
	c := messagesConv{b: b, o: o}
	var err error
	turns.ForEach(func(_, m gjson.Result) bool {
		switch role := m.Get("role").Str; role {
		case "user":
			err = c.user(rget(m, "content"))
		case "assistant":
			err = c.assistant(rget(m, "content"))
		default:
			err = badRequest("messages: unknown role %q", role)
		}
		return err == nil
	})
	return c.b, err
}

// message opens a Chat message of role; the caller writes the rest and closes it.
func (c *messagesConv) message(role string) {
	c.b = appendComma(c.b)
	c.b = append(c.b, `{"role":"`...)
	c.b = append(c.b, role...)
	c.b = append(c.b, '"')
}

func (c *messagesConv) user(content gjson.Result) error {
	if content.Type == gjson.String {
		c.message("user")
		c.b = append(c.b, `,"content":`...)
		c.b = append(c.b, content.Raw...)
		c.b = append(c.b, '}')
		return nil
	}
	if !content.IsArray() {
		return badRequest("messages: content must be a string or an array of blocks")
	}
	var err error
	rest := false // blocks besides tool results, or images inside them
	content.ForEach(func(_, blk gjson.Result) bool {
		if blk.Get("type").Str != "tool_result" {
			rest = true
			return true
		}
		var images bool
		images, err = c.toolResult(blk)
		rest = rest || images
		return err == nil
	})
	if err != nil || !rest {
		return err
	}
	c.message("user")
	c.b = append(c.b, `,"content":[`...)
	first := true
	content.ForEach(func(_, blk gjson.Result) bool {
		if blk.Get("type").Str == "tool_result" {
			err = c.toolResultImages(blk, &first)
		} else {
			err = c.userBlock(blk, &first)
		}
		return err == nil
	})
	c.b = append(c.b, `]}`...)
	return err
}

// userBlock appends one user block (not a tool result) as a Chat content part.
func (c *messagesConv) userBlock(blk gjson.Result, first *bool) error {
	c.dropExtras(blk)
	start := len(c.b)
	if !*first {
		c.b = append(c.b, ',')
	}
	var err error
	switch t := blk.Get("type").Str; t {
	case "text":
		c.b = append(c.b, `{"type":"text","text":`...)
		c.b, err = appendText(c.b, rget(blk, "text"), "a text block's text")
		c.b = append(c.b, '}')
	case "image":
		c.b, err = appendImageURL(c.b, blk.Get("source"))
	case "document":
		c.b, err = appendDocumentFile(c.b, blk)
	case "thinking", "redacted_thinking":
		c.o.drop(thinkingLabel(t))
		c.b = c.b[:start]
		return nil
	default:
		return badRequest("messages: content blocks of type %q cannot be translated to OpenAI's Chat Completions API", t)
	}
	*first = false
	return err
}

// dropExtras reports the block fields Chat has no place for.
func (c *messagesConv) dropExtras(blk gjson.Result) {
	if blk.Get("cache_control").Exists() {
		c.o.drop("cache_control")
	}
	if blk.Get("citations").Exists() {
		c.o.drop("citations")
	}
}

func thinkingLabel(t string) string {
	if t == "thinking" {
		return "thinking_blocks"
	}
	return t
}

// toolResult writes a tool_result block as a tool message; images reports that the
// result holds images (for the user message that follows).
func (c *messagesConv) toolResult(blk gjson.Result) (images bool, err error) {
	id := blk.Get("tool_use_id")
	if _, ok := c.calls[id.Str]; !ok || id.Type != gjson.String {
		return false, badRequest("messages: the tool_result with tool_use_id %s answers no tool_use block of an earlier assistant turn", orNull(id))
	}
	c.dropExtras(blk)
	if blk.Get("is_error").Type == gjson.True {
		c.o.drop("is_error")
	}
	c.message("tool")
	c.b = append(c.b, `,"tool_call_id":`...)
	c.b = append(c.b, id.Raw...)
	c.b = append(c.b, `,"content":`...)
	content := rget(blk, "content")
	switch {
	case content.Type == gjson.String:
		c.b = append(c.b, content.Raw...)
	case content.IsArray():
		c.b = append(c.b, '[')
		n := 0
		content.ForEach(func(_, p gjson.Result) bool {
			switch p.Get("type").Str {
			case "text":
				if n > 0 {
					c.b = append(c.b, ',')
				}
				n++
				c.b = append(c.b, `{"type":"text","text":`...)
				c.b, err = appendText(c.b, rget(p, "text"), "a text block's text")
				c.b = append(c.b, '}')
			case "image":
				images = true
			default:
				err = badRequest("messages: tool results holding %q blocks cannot be translated to OpenAI's Chat Completions API", p.Get("type").Str)
			}
			return err == nil
		})
		if n == 0 {
			c.b = append(c.b[:len(c.b)-1], `""`...)
		} else {
			c.b = append(c.b, ']')
		}
	default:
		c.b = append(c.b, `""`...)
	}
	c.b = append(c.b, '}')
	return images, err
}

// toolResultImages appends the images of a tool result as parts of the user message.
func (c *messagesConv) toolResultImages(blk gjson.Result, first *bool) error {
	var err error
	blk.Get("content").ForEach(func(_, p gjson.Result) bool {
		if p.Get("type").Str != "image" {
			return true
		}
		if !*first {
			c.b = append(c.b, ',')
		}
		*first = false
		c.b, err = appendImageURL(c.b, p.Get("source"))
		return err == nil
	})
	return err
}

// assistant writes an assistant turn: its text as content, its tool_use blocks as
// tool_calls.
func (c *messagesConv) assistant(content gjson.Result) error {
	c.message("assistant")
	if content.Type == gjson.String {
		c.b = append(c.b, `,"content":`...)
		c.b = append(c.b, content.Raw...)
		c.b = append(c.b, '}')
		return nil
	}
	var err error
	texts, calls := 0, 0
	content.ForEach(func(_, blk gjson.Result) bool {
		c.dropExtras(blk)
		switch t := blk.Get("type").Str; t {
		case "text":
			if texts == 0 {
				c.b = append(c.b, `,"content":[`...)
			} else {
				c.b = append(c.b, ',')
			}
			texts++
			c.b = append(c.b, `{"type":"text","text":`...)
			c.b, err = appendText(c.b, rget(blk, "text"), "a text block's text")
			c.b = append(c.b, '}')
		case "tool_use":
			calls++
		case "thinking", "redacted_thinking":
			c.o.drop(thinkingLabel(t))
		default:
			err = badRequest("messages: assistant blocks of type %q cannot be translated to OpenAI's Chat Completions API", t)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if texts > 0 {
		c.b = append(c.b, ']')
	} else if calls == 0 {
		c.b = append(c.b, `,"content":""`...)
	}
	if calls > 0 {
		c.b = append(c.b, `,"tool_calls":[`...)
		n := 0
		content.ForEach(func(_, blk gjson.Result) bool {
			if blk.Get("type").Str == "tool_use" {
				err = c.toolCall(blk, n)
				n++
			}
			return err == nil
		})
		c.b = append(c.b, ']')
	}
	c.b = append(c.b, '}')
	return err
}

// toolCall appends a tool_use block as a Chat tool call; its input becomes the
// arguments string.
func (c *messagesConv) toolCall(blk gjson.Result, n int) error {
	id, name, input := blk.Get("id"), blk.Get("name"), blk.Get("input")
	if id.Type != gjson.String || id.Str == "" || name.Type != gjson.String {
		return badRequest("messages: a tool_use block needs a string id and name")
	}
	if c.calls == nil {
		c.calls = map[string]struct{}{}
	}
	c.calls[id.Str] = struct{}{}
	if n > 0 {
		c.b = append(c.b, ',')
	}
	c.b = append(c.b, `{"id":`...)
	c.b = append(c.b, id.Raw...)
	c.b = append(c.b, `,"type":"function","function":{"name":`...)
	c.b = append(c.b, name.Raw...)
	c.b = append(c.b, `,"arguments":`...)
	if input.IsObject() {
		c.b = appendString(c.b, input.Raw)
	} else {
		c.b = append(c.b, `"{}"`...)
	}
	c.b = append(c.b, `}}`...)
	return nil
}
