package translate

import (
	"github.com/tidwall/gjson"
)

// Messages client, Chat Completions upstream: the request.
//
// A stream always asks for the final usage chunk (stream_options.include_usage): the
// Messages client gets its usage in message_delta either way, and metering needs it.
// thinking (or output_config.effort) becomes reasoning_effort (reasoning.go);
// output_config.format (and the older output_format) becomes response_format.

// messagesRequest holds the top-level fields of a Messages request that translation reads.
type messagesRequest struct {
	system, messages, tools, toolChoice, stop, maxTokens gjson.Result
	temperature, topP, thinking, outputConfig, format    gjson.Result
	metadata, stream                                     gjson.Result
}

func (r *messagesRequest) field(k string, v gjson.Result, o *Options) {
	switch k {
	case "model":
	case "system":
		r.system = v
	case "messages":
		r.messages = v
	case "tools":
		r.tools = v
	case "tool_choice":
		r.toolChoice = v
	case "stop_sequences":
		r.stop = v
	case "max_tokens":
		r.maxTokens = v
	case "temperature":
		r.temperature = v
	case "top_p":
		r.topP = v
	case "thinking":
		r.thinking = v
	case "output_config":
		r.outputConfig = v
	case "output_format":
		r.format = v
	case "metadata":
		r.metadata = v
	case "stream":
		r.stream = v
	default:
		if v.Type != gjson.Null {
			o.drop(k)
		}
	}
}

// messagesToChat writes the Chat Completions body for a Messages body.
func messagesToChat(root gjson.Result, size int, o Options) ([]byte, error) {
	var r messagesRequest
	root.ForEach(func(k, v gjson.Result) bool { r.field(k.Str, v, &o); return true })
	b := make([]byte, 0, size+size/8+256)
	b = append(b, `{"model":`...)
	b = appendString(b, o.Model)
	b = appendKey(b, "messages")
	b = append(b, '[')
	b = messagesSystem(b, r.system, &o)
	var err error
	if b, err = messagesTurns(b, r.messages, &o); err != nil {
		return nil, err
	}
	b = append(b, ']')
	if b, err = messagesTools(b, r.tools, r.toolChoice, &o); err != nil {
		return nil, err
	}
	if r.maxTokens.Type == gjson.Number {
		field := o.MaxTokensField
		if field == "" {
			field = "max_completion_tokens"
		}
		b = appendKey(b, field)
		b = append(b, r.maxTokens.Raw...)
	}
	if r.stop.IsArray() && len(r.stop.Raw) > 2 {
		b = appendKey(b, "stop")
		b = append(b, r.stop.Raw...)
	}
	for _, f := range [...]struct {
		name string
		v    gjson.Result
	}{{"temperature", r.temperature}, {"top_p", r.topP}} {
		if f.v.Type == gjson.Number {
			b = appendKey(b, f.name)
			b = append(b, f.v.Raw...)
		}
	}
	if effort := messagesEffort(r.thinking, r.outputConfig); effort != "" {
		b = appendKey(b, "reasoning_effort")
		b = appendString(b, effort)
	}
	format := r.outputConfig.Get("format")
	if !format.Exists() {
		format = r.format
	}
	b = messagesFormat(b, format, &o)
	if u := r.metadata.Get("user_id"); u.Type == gjson.String && u.Str != "" {
		b = appendKey(b, "user")
		b = append(b, u.Raw...)
	}
	if r.stream.Type == gjson.True {
		b = appendKey(b, "stream")
		b = append(b, `true,"stream_options":{"include_usage":true}`...)
	}
	return append(b, '}'), nil
}

// messagesEffort is the reasoning_effort of a thinking config and output_config.effort.
func messagesEffort(thinking, outputConfig gjson.Result) string {
	switch thinking.Get("type").Str {
	case "enabled":
		return effortForBudget(thinking.Get("budget_tokens").Int())
	case "adaptive":
		return effortForLevel(outputConfig.Get("effort").Str)
	case "disabled":
		return ""
	}
	if level := outputConfig.Get("effort"); level.Type == gjson.String {
		return effortForLevel(level.Str)
	}
	return ""
}

// messagesFormat writes a json_schema output format as response_format.
func messagesFormat(b []byte, format gjson.Result, o *Options) []byte {
	if !format.Exists() || format.Type == gjson.Null {
		return b
	}
	schema := format.Get("schema")
	if format.Get("type").Str != "json_schema" || !schema.IsObject() {
		o.drop("output_format")
		return b
	}
	b = appendKey(b, "response_format")
	b = append(b, `{"type":"json_schema","json_schema":{"name":"output","strict":true,"schema":`...)
	b = append(b, schema.Raw...)
	return append(b, `}}`...)
}

// messagesSystem writes the system prompt (a string or text blocks) as a system message.
func messagesSystem(b []byte, system gjson.Result, o *Options) []byte {
	switch {
	case system.Type == gjson.String:
		if !isText(system) {
			return b
		}
		b = append(b, `{"role":"system","content":`...)
		b = append(b, system.Raw...)
		return append(b, '}')
	case system.IsArray():
		n := 0
		system.ForEach(func(_, blk gjson.Result) bool {
			if blk.Get("cache_control").Exists() {
				o.drop("cache_control")
			}
			t := rget(blk, "text")
			if !isText(t) {
				return true
			}
			if n == 0 {
				b = append(b, `{"role":"system","content":[`...)
			} else {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"type":"text","text":`...)
			b = append(b, t.Raw...)
			b = append(b, '}')
			return true
		})
		if n > 0 {
			b = append(b, `]}`...)
		}
	}
	return b
}
