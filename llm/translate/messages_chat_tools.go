package translate

import (
	"github.com/tidwall/gjson"
)

// Messages client, Chat Completions upstream: tools and tool_choice. Client tools
// (no type, or "custom") become function tools; Anthropic's server tools (web search,
// code execution, bash, text editor, computer use…) run at Anthropic and have no Chat
// equivalent: they are refused, not dropped, since the model would silently lose them.

func messagesTools(b []byte, tools, choice gjson.Result, o *Options) ([]byte, error) {
	n := 0
	var err error
	tools.ForEach(func(_, t gjson.Result) bool {
		if typ := t.Get("type").Str; typ != "" && typ != "custom" {
			err = badRequest("tools: Anthropic server tools (type %q) cannot be translated to OpenAI's Chat Completions API", typ)
			return false
		}
		name := t.Get("name")
		if name.Type != gjson.String || name.Str == "" {
			err = badRequest("tools: a tool needs a name")
			return false
		}
		if n == 0 {
			b = appendKey(b, "tools")
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"type":"function","function":{"name":`...)
		b = append(b, name.Raw...)
		if d := t.Get("description"); d.Type == gjson.String {
			b = append(b, `,"description":`...)
			b = append(b, d.Raw...)
		}
		if s := t.Get("input_schema"); s.IsObject() {
			b = append(b, `,"parameters":`...)
			b = append(b, s.Raw...)
		}
		if t.Get("strict").Type == gjson.True {
			b = append(b, `,"strict":true`...)
		}
		b = append(b, `}}`...)
		if t.Get("cache_control").Exists() {
			o.drop("cache_control")
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return b, nil
	}
	b = append(b, ']')
	switch choice.Get("type").Str {
	case "auto":
		b = appendKey(b, "tool_choice")
		b = append(b, `"auto"`...)
	case "any":
		b = appendKey(b, "tool_choice")
		b = append(b, `"required"`...)
	case "none":
		b = appendKey(b, "tool_choice")
		b = append(b, `"none"`...)
	case "tool":
		if choice.Get("name").Type != gjson.String {
			break
		}
		b = appendKey(b, "tool_choice")
		b = append(b, `{"type":"function","function":{"name":`...)
		b = append(b, choice.Get("name").Raw...)
		b = append(b, `}}`...)
	}
	if choice.Get("disable_parallel_tool_use").Type == gjson.True {
		b = appendKey(b, "parallel_tool_calls")
		b = append(b, `false`...)
	}
	return b, nil
}
