package translate

import (
	"github.com/tidwall/gjson"
)

// Chat Completions client, Messages upstream: tools and tool_choice.

// chatTools writes the function tools as Messages tools, and tool_choice with
// parallel_tool_calls as Messages' tool_choice.
func chatTools(b []byte, tools, choice, parallel gjson.Result, o *Options) ([]byte, error) {
	n := 0
	var err error
	tools.ForEach(func(_, t gjson.Result) bool {
		if typ := t.Get("type").Str; typ != "function" {
			err = badRequest("tools: tools of type %q cannot be translated to Anthropic's Messages API (function tools can)", typ)
			return false
		}
		fn := t.Get("function")
		name := fn.Get("name")
		if name.Type != gjson.String || name.Str == "" {
			err = badRequest("tools: a function tool needs a name")
			return false
		}
		if n == 0 {
			b = appendKey(b, "tools")
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"name":`...)
		b = append(b, name.Raw...)
		if d := fn.Get("description"); d.Type == gjson.String {
			b = append(b, `,"description":`...)
			b = append(b, d.Raw...)
		}
		b = append(b, `,"input_schema":`...)
		if p := fn.Get("parameters"); p.IsObject() {
			b = append(b, p.Raw...)
		} else {
			b = append(b, `{"type":"object","properties":{}}`...)
		}
		if s := fn.Get("strict"); s.Type == gjson.True {
			b = append(b, `,"strict":true`...)
		}
		b = append(b, '}')
		return true
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		b = append(b, ']')
	}
	return chatToolChoice(b, choice, parallel, n > 0, o), nil
}

// chatToolChoice writes Messages' tool_choice: none, auto, required (any) or one named
// function (tool); parallel_tool_calls false becomes disable_parallel_tool_use.
func chatToolChoice(b []byte, choice, parallel gjson.Result, hasTools bool, o *Options) []byte {
	if !hasTools {
		if choice.Exists() && choice.Type != gjson.Null {
			o.drop("tool_choice")
		}
		return b
	}
	serial := parallel.Type == gjson.False
	var name gjson.Result
	typ := "auto"
	switch {
	case choice.Type == gjson.String:
		switch choice.Str {
		case "none":
			typ = "none"
		case "required":
			typ = "any"
		}
	case choice.IsObject():
		if name = choice.Get("function.name"); name.Type == gjson.String {
			typ = "tool"
		} else {
			o.drop("tool_choice")
		}
	case !serial:
		return b // neither set: the Messages default is auto, in parallel
	}
	b = appendKey(b, "tool_choice")
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if typ == "tool" {
		b = append(b, `,"name":`...)
		b = append(b, name.Raw...)
	}
	if serial && typ != "none" {
		b = append(b, `,"disable_parallel_tool_use":true`...)
	}
	return append(b, '}')
}
