package translate

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Responses client, Messages upstream: the input items. instructions and the system and
// developer messages become the system; message items become turns; function_call,
// custom_tool_call and local_shell_call items become tool_use blocks of the assistant
// turn, and their outputs tool_result blocks of a user turn. A reasoning item whose
// encrypted_content tollgate made from Claude's thinking block (see carryThinking)
// becomes that block again, signature and all; reasoning from OpenAI models is
// encrypted for OpenAI alone and is dropped.

// responsesSystem writes instructions and the system and developer messages of input as
// system text blocks.
func responsesSystem(b []byte, instructions, input gjson.Result) []byte {
	n := 0
	add := func(text gjson.Result) {
		if n == 0 {
			b = appendKey(b, "system")
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"type":"text","text":`...)
		b = append(b, text.Raw...)
		b = append(b, '}')
	}
	if isText(instructions) {
		add(instructions)
	}
	input.ForEach(func(_, item gjson.Result) bool {
		if t := item.Get("type").Str; t != "" && t != "message" {
			return true
		}
		if role := item.Get("role").Str; role == "system" || role == "developer" {
			forEachText(rget(item, "content"), add)
		}
		return true
	})
	if n > 0 {
		b = append(b, ']')
	}
	return b
}

// responsesConv is the state of one input's translation.
type responsesConv struct {
	turns
	o *Options
	// calls are the call ids of the tool calls so far; an output must answer one.
	calls map[string]struct{}
}

// responsesInput writes the input (a string, or items) as the messages.
func responsesInput(b []byte, input gjson.Result, o *Options) (_ []byte, noThinking bool, err error) {
	c := responsesConv{turns: turns{b: appendKey(b, "messages")}, o: o}
	c.b = append(c.b, '[')
	switch {
	case input.Type == gjson.String:
		if isText(input) {
			c.block("user")
			c.b = append(c.b, `{"type":"text","text":`...)
			c.b = append(c.b, input.Raw...)
			c.b = append(c.b, '}')
		}
	case input.IsArray():
		input.ForEach(func(_, item gjson.Result) bool {
			err = c.item(item)
			return err == nil
		})
	case input.Exists() && input.Type != gjson.Null:
		return nil, false, badRequest("input must be a string or an array of items")
	}
	if err != nil {
		return nil, false, err
	}
	c.close()
	return append(c.b, ']'), c.thinkingRefused(), nil
}

func (c *responsesConv) item(item gjson.Result) error {
	switch t := item.Get("type").Str; t {
	case "", "message":
		return c.message(item)
	case "function_call":
		args := strings.TrimSpace(item.Get("arguments").Str)
		if args == "" {
			args = "{}"
		}
		if !jsonlimit.ValidString(args) || !gjson.Parse(args).IsObject() {
			return badRequest("input: the arguments of function_call %s are not a JSON object", orNull(item.Get("call_id")))
		}
		return c.toolUse(item, func(b []byte) []byte { return append(b, args...) })
	case "custom_tool_call":
		return c.toolUse(item, func(b []byte) []byte {
			b = append(b, `{"input":`...)
			b = append(b, orEmptyString(rget(item, "input"))...)
			return append(b, '}')
		})
	case "local_shell_call":
		return c.toolUse(item, func(b []byte) []byte {
			if a := item.Get("action"); a.IsObject() {
				return append(b, a.Raw...)
			}
			return append(b, `{}`...)
		})
	case "function_call_output", "custom_tool_call_output", "local_shell_call_output":
		return c.toolResult(item)
	case "reasoning":
		return c.reasoning(item)
	case "web_search_call":
		c.o.drop("web_search_call") // its results came from OpenAI; the answer that used them stays
		return nil
	case "item_reference":
		return badRequest("input: item_reference needs items stored at OpenAI; send the items themselves")
	case "compaction", "compaction_summary":
		return badRequest("input: %s items hold conversation state encrypted for OpenAI, which Anthropic's Messages API cannot read", t)
	default:
		return badRequest("input: items of type %q cannot be translated to Anthropic's Messages API", t)
	}
}

func (c *responsesConv) message(item gjson.Result) error {
	role := item.Get("role").Str
	switch role {
	case "system", "developer":
		return nil // in system
	case "user", "assistant":
	default:
		return badRequest("input: unknown role %q", role)
	}
	content := rget(item, "content")
	if content.Type == gjson.String {
		if isText(content) {
			c.block(role)
			c.b = append(c.b, `{"type":"text","text":`...)
			c.b = append(c.b, content.Raw...)
			c.b = append(c.b, '}')
		}
		return nil
	}
	var err error
	content.ForEach(func(_, p gjson.Result) bool {
		err = c.part(role, p)
		return err == nil
	})
	return err
}

// part writes one content part of a message.
func (c *responsesConv) part(role string, p gjson.Result) error {
	switch t := p.Get("type").Str; t {
	case "input_text", "output_text", "refusal", "summary_text":
		field := "text"
		if t == "refusal" {
			field = "refusal"
		}
		text := rget(p, field)
		if isEmptyString(text) {
			return nil
		}
		c.block(role)
		c.b = append(c.b, `{"type":"text","text":`...)
		var err error
		c.b, err = appendText(c.b, text, "the text of an "+t+" part")
		c.b = append(c.b, '}')
		return err
	case "input_image":
		if role != "user" {
			break
		}
		if d := p.Get("detail"); d.Exists() && d.Str != "auto" {
			c.o.drop("image_detail")
		}
		url := p.Get("image_url")
		if url.Type != gjson.String {
			return badRequest("input_image parts can be translated only with an image_url (file_id names a file stored at OpenAI)")
		}
		c.block(role)
		var err error
		c.b, err = appendImage(c.b, url, c.o)
		return err
	case "input_file":
		if role != "user" {
			break
		}
		c.block(role)
		var err error
		c.b, err = appendDocument(c.b, p)
		return err
	}
	return badRequest("input: content parts of type %q in a %s message cannot be translated to Anthropic's Messages API", p.Get("type").Str, role)
}

// toolUse writes a tool call item as a tool_use block; input writes its input object.
func (c *responsesConv) toolUse(item gjson.Result, input func([]byte) []byte) error {
	id, name := item.Get("call_id"), item.Get("name")
	if item.Get("type").Str == "local_shell_call" {
		name = gjson.Result{Type: gjson.String, Raw: `"local_shell"`, Str: "local_shell"}
	}
	if id.Type != gjson.String || id.Str == "" || name.Type != gjson.String {
		return badRequest("input: a %s item needs a string call_id and name", item.Get("type").Str)
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
	c.b = input(c.b)
	c.b = append(c.b, '}')
	return nil
}

// toolResult writes a tool call's output item as a tool_result block of a user turn.
func (c *responsesConv) toolResult(item gjson.Result) error {
	id := item.Get("call_id")
	if _, ok := c.calls[id.Str]; !ok || id.Type != gjson.String {
		return badRequest("input: the %s with call_id %s answers no tool call of an earlier item", item.Get("type").Str, orNull(id))
	}
	c.block("user")
	c.b = append(c.b, `{"type":"tool_result","tool_use_id":`...)
	c.b = append(c.b, id.Raw...)
	out := rget(item, "output")
	switch {
	case isText(out):
		c.b = append(c.b, `,"content":`...)
		c.b = append(c.b, out.Raw...)
	case out.IsArray():
		c.b = append(c.b, `,"content":[`...)
		n := 0
		var err error
		out.ForEach(func(_, p gjson.Result) bool {
			start := len(c.b)
			if n > 0 {
				c.b = append(c.b, ',')
			}
			switch p.Get("type").Str {
			case "input_text", "output_text":
				c.b = append(c.b, `{"type":"text","text":`...)
				c.b, err = appendText(c.b, rget(p, "text"), "the text of a tool output part")
				c.b = append(c.b, '}')
			case "input_image":
				c.b, err = appendImage(c.b, p.Get("image_url"), c.o)
			default:
				c.b = c.b[:start]
				err = badRequest("input: tool outputs holding %q parts cannot be translated", p.Get("type").Str)
			}
			n++
			return err == nil
		})
		if err != nil {
			return err
		}
		c.b = append(c.b, ']')
	case out.IsObject(): // local_shell_call_output and older shapes: {"output": "…"}
		c.b = append(c.b, `,"content":`...)
		c.b = append(c.b, orEmptyString(rget(out, "output"))...)
	}
	c.b = append(c.b, '}')
	return nil
}

// reasoning writes a reasoning item carrying Claude's thinking block back as that
// block; any other reasoning is dropped.
func (c *responsesConv) reasoning(item gjson.Result) error {
	blk, ok := carriedThinking(item.Get("encrypted_content").Str)
	if !ok {
		c.o.drop("reasoning_items")
		return nil
	}
	c.block("assistant")
	c.markThinking()
	c.b = append(c.b, blk...)
	return nil
}

// orEmptyString is r's raw JSON when r is a string, else "".
func orEmptyString(r gjson.Result) string {
	if r.Type == gjson.String {
		return r.Raw
	}
	return `""`
}
