package translate

import (
	"github.com/tidwall/gjson"
)

// Chat Completions client, Messages upstream: the request.
//
// Fields map as README.md's table says; the rest is here. Messages need max_tokens,
// which Chat makes optional: DefaultMaxTokens stands in. Chat's temperature runs to 2,
// Messages' to 1: higher values are sent as 1. When reasoning_effort turns thinking on,
// temperature and top_p are dropped (Messages refuse them with thinking).

// DefaultMaxTokens is the max_tokens of a Messages request translated from a Chat
// request that set no limit (plus the thinking budget when reasoning is on).
const DefaultMaxTokens = 8192

// chatRequest holds the top-level fields of a Chat request that translation reads.
type chatRequest struct {
	messages, tools, toolChoice, parallel, stop         gjson.Result
	maxTokens, maxCompletion, temperature, topP, effort gjson.Result
	responseFormat, user, safetyID, stream              gjson.Result
	err                                                 error
}

func (r *chatRequest) field(k string, v gjson.Result, o *Options) {
	switch k {
	case "model", "stream_options":
	case "messages":
		r.messages = v
	case "tools":
		r.tools = v
	case "tool_choice":
		r.toolChoice = v
	case "parallel_tool_calls":
		r.parallel = v
	case "stop":
		r.stop = v
	case "max_tokens":
		r.maxTokens = v
	case "max_completion_tokens":
		r.maxCompletion = v
	case "temperature":
		r.temperature = v
	case "top_p":
		r.topP = v
	case "reasoning_effort":
		r.effort = v
	case "response_format":
		r.responseFormat = v
	case "user":
		r.user = v
	case "safety_identifier":
		r.safetyID = v
	case "stream":
		r.stream = v
	case "n":
		if v.Type == gjson.Number && v.Int() > 1 {
			r.err = badRequest("n: %s choices cannot be translated; Anthropic's Messages API returns one", v.Raw)
		}
	default:
		if v.Type != gjson.Null {
			o.drop(k)
		}
	}
}

// chatToMessages writes the Messages body for a Chat Completions body.
func chatToMessages(root gjson.Result, size int, o Options) ([]byte, error) {
	var r chatRequest
	root.ForEach(func(k, v gjson.Result) bool { r.field(k.Str, v, &o); return r.err == nil })
	if r.err != nil {
		return nil, r.err
	}
	b := make([]byte, 0, size+size/8+256)
	b = append(b, `{"model":`...)
	b = appendString(b, o.Model)

	b = chatSystem(b, r.messages)
	b, noThinking, err := chatMessages(b, r.messages, &o)
	if err != nil {
		return nil, err
	}
	budget := thinkingBudget(r.effort.Str)
	if budget > 0 && noThinking {
		o.drop("reasoning_effort") // the last assistant turn's tool calls came without its thinking
		budget = 0
	}
	maxTokens := int64(0)
	switch {
	case r.maxCompletion.Type == gjson.Number:
		maxTokens = r.maxCompletion.Int()
	case r.maxTokens.Type == gjson.Number:
		maxTokens = r.maxTokens.Int()
	}
	budget, maxTokens = fitBudget(budget, maxTokens, &o, "reasoning_effort")
	b = appendKey(b, "max_tokens")
	b = appendInt(b, maxTokens)
	if b, err = chatTools(b, r.tools, r.toolChoice, r.parallel, &o); err != nil {
		return nil, err
	}
	b = chatStop(b, r.stop)
	b = chatSampling(b, r.temperature, r.topP, budget > 0, &o)
	if budget > 0 {
		b = appendKey(b, "thinking")
		b = append(b, `{"type":"enabled","budget_tokens":`...)
		b = appendInt(b, budget)
		b = append(b, '}')
	}
	b = chatResponseFormat(b, r.responseFormat, &o)
	if u := firstString(r.safetyID, r.user); u.Str != "" {
		b = appendKey(b, "metadata")
		b = append(b, `{"user_id":`...)
		b = append(b, u.Raw...)
		b = append(b, '}')
	}
	if r.stream.Exists() {
		b = appendKey(b, "stream")
		b = append(b, r.stream.Raw...)
	}
	return append(b, '}'), nil
}

// chatStop writes stop (a string or an array of strings) as stop_sequences.
func chatStop(b []byte, stop gjson.Result) []byte {
	switch {
	case stop.Type == gjson.String:
		b = appendKey(b, "stop_sequences")
		b = append(b, '[')
		b = append(b, stop.Raw...)
		return append(b, ']')
	case stop.IsArray():
		b = appendKey(b, "stop_sequences")
		return append(b, stop.Raw...)
	}
	return b
}

// chatSampling writes temperature (at most 1) and top_p. With thinking on, both are
// dropped; with both set, top_p is dropped (current Claude models take one of them).
func chatSampling(b []byte, temperature, topP gjson.Result, thinking bool, o *Options) []byte {
	hasT, hasP := temperature.Type == gjson.Number, topP.Type == gjson.Number
	if thinking {
		if hasT {
			o.drop("temperature")
		}
		if hasP {
			o.drop("top_p")
		}
		return b
	}
	if hasT {
		b = appendKey(b, "temperature")
		if temperature.Num > 1 {
			b = append(b, '1')
		} else {
			b = append(b, temperature.Raw...)
		}
	}
	if hasP {
		if hasT {
			o.drop("top_p")
		} else {
			b = appendKey(b, "top_p")
			b = append(b, topP.Raw...)
		}
	}
	return b
}

// chatResponseFormat writes a json_schema response_format as output_config.format;
// json_object has no Messages equivalent and is dropped.
func chatResponseFormat(b []byte, rf gjson.Result, o *Options) []byte {
	switch rf.Get("type").Str {
	case "", "text":
		return b
	case "json_schema":
		if schema := rf.Get("json_schema.schema"); schema.IsObject() {
			b = appendKey(b, "output_config")
			b = append(b, `{"format":{"type":"json_schema","schema":`...)
			b = append(b, schema.Raw...)
			return append(b, `}}`...)
		}
	}
	o.drop("response_format")
	return b
}

// firstString returns the first of rs that is a string.
func firstString(rs ...gjson.Result) gjson.Result {
	for _, r := range rs {
		if r.Type == gjson.String {
			return r
		}
	}
	return gjson.Result{}
}
