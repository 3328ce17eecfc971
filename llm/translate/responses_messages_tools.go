package translate

import (
	"github.com/tidwall/gjson"
)

// Responses client, Messages upstream: tools. Function tools become Messages tools;
// custom (freeform) tools become tools taking one string, {"input": "…"}, whose calls
// are turned back into custom_tool_call items; local_shell becomes a tool whose input is
// the exec action, turned back into local_shell_call items. OpenAI's other built-in
// tools (web search, file search, code interpreter, computer use, image generation,
// remote MCP, and the newer shell and apply_patch tools with their own item shapes) are
// refused by name.

// toolKind is how a tool's calls go back to a Responses client.
type toolKind uint8

const (
	functionTool toolKind = iota
	customTool
	shellTool
)

// toolKinds maps the names of the request's custom and local_shell tools to their kind
// (function tools are absent).
type toolKinds map[string]toolKind

// localShellSchema is the input schema of the local_shell tool: Codex's exec action.
const localShellSchema = `{"type":"object","properties":{"type":{"type":"string","enum":["exec"]},"command":{"type":"array","items":{"type":"string"}},"working_directory":{"type":"string"},"timeout_ms":{"type":"integer"},"env":{"type":"object","additionalProperties":{"type":"string"}}},"required":["type","command"]}`

func responsesTools(b []byte, tools, choice, parallel gjson.Result, o *Options) ([]byte, toolKinds, error) {
	n := 0
	var kinds toolKinds
	var err error
	tools.ForEach(func(_, t gjson.Result) bool {
		typ := t.Get("type").Str
		name, desc, schema := t.Get("name"), t.Get("description"), t.Get("parameters")
		switch typ {
		case "function":
		case "custom":
			if kinds == nil {
				kinds = toolKinds{}
			}
			kinds[name.Str] = customTool
		case "local_shell":
			if kinds == nil {
				kinds = toolKinds{}
			}
			kinds["local_shell"] = shellTool
			name = gjson.Result{Type: gjson.String, Raw: `"local_shell"`, Str: "local_shell"}
		default:
			err = badRequest("tools: OpenAI's built-in %q tool cannot be translated to Anthropic's Messages API (function, custom and local_shell tools can); leave it out (Codex: turn web search off)", typ)
			return false
		}
		if name.Type != gjson.String || name.Str == "" {
			err = badRequest("tools: a %s tool needs a name", typ)
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
		if desc.Type == gjson.String {
			b = append(b, `,"description":`...)
			b = append(b, desc.Raw...)
		}
		b = append(b, `,"input_schema":`...)
		switch {
		case typ == "custom":
			b = append(b, `{"type":"object","properties":{"input":{"type":"string","description":"The tool's raw input text`...)
			if g := t.Get("format.definition"); g.Type == gjson.String {
				b = append(b, `, in this grammar:\n`...)
				b = appendStringBody(b, g.Str)
			}
			b = append(b, `"}},"required":["input"]}`...)
		case typ == "local_shell":
			b = append(b, localShellSchema...)
		case schema.IsObject():
			b = append(b, schema.Raw...)
		default:
			b = append(b, `{"type":"object","properties":{}}`...)
		}
		if t.Get("strict").Type == gjson.True && typ == "function" {
			b = append(b, `,"strict":true`...)
		}
		b = append(b, '}')
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	if n > 0 {
		b = append(b, ']')
	}
	// tool_choice: Chat's shapes, and Responses' {"type":"function","name":…}.
	if choice.IsObject() && !choice.Get("function").Exists() {
		if name := choice.Get("name"); name.Type == gjson.String {
			choice = gjson.Parse(`{"type":"function","function":{"name":` + name.Raw + `}}`)
		}
	}
	return chatToolChoice(b, choice, parallel, n > 0, o), kinds, nil
}
