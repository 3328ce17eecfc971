package translate

import (
	"github.com/tidwall/gjson"
)

// Responses client, Messages upstream: the request (Codex on Claude). README.md says
// what crosses and what does not. State kept at OpenAI (previous_response_id,
// conversation, a stored prompt, background responses) cannot cross and is refused;
// store: true is dropped (nothing is stored); OpenAI's built-in tools are refused.

// responsesRequest holds the top-level fields of a Responses request that translation reads.
type responsesRequest struct {
	input, instructions, tools, toolChoice, parallel gjson.Result
	maxTokens, temperature, topP, reasoning, text    gjson.Result
	user, safetyID, stream                           gjson.Result
	err                                              error
}

func (r *responsesRequest) field(k string, v gjson.Result, o *Options) {
	switch k {
	case "model", "include", "stream_options":
	case "input":
		r.input = v
	case "instructions":
		r.instructions = v
	case "tools":
		r.tools = v
	case "tool_choice":
		r.toolChoice = v
	case "parallel_tool_calls":
		r.parallel = v
	case "max_output_tokens":
		r.maxTokens = v
	case "temperature":
		r.temperature = v
	case "top_p":
		r.topP = v
	case "reasoning":
		r.reasoning = v
	case "text":
		r.text = v
	case "user":
		r.user = v
	case "safety_identifier":
		r.safetyID = v
	case "stream":
		r.stream = v
	case "previous_response_id", "conversation", "prompt":
		if v.Type != gjson.Null {
			r.err = badRequest("%s needs state stored at OpenAI, which Anthropic's Messages API cannot read; send the whole conversation in input (store: false)", k)
		}
	case "background":
		if v.Type == gjson.True {
			r.err = badRequest("background responses are kept at OpenAI and cannot be translated to Anthropic's Messages API")
		}
	case "store":
		if v.Type == gjson.True {
			o.drop("store")
		}
	default:
		if v.Type != gjson.Null {
			o.drop(k)
		}
	}
}

// responsesToMessages writes the Messages body for a Responses body; tools tells the
// response translation which tools are custom (freeform) or local_shell.
func responsesToMessages(root gjson.Result, size int, o Options) ([]byte, toolKinds, error) {
	var r responsesRequest
	root.ForEach(func(k, v gjson.Result) bool { r.field(k.Str, v, &o); return r.err == nil })
	if r.err != nil {
		return nil, nil, r.err
	}
	b := make([]byte, 0, size+size/8+256)
	b = append(b, `{"model":`...)
	b = appendString(b, o.Model)
	b = responsesSystem(b, r.instructions, r.input)
	b, noThinking, err := responsesInput(b, r.input, &o)
	if err != nil {
		return nil, nil, err
	}
	budget := int64(0)
	if effort := r.reasoning.Get("effort"); effort.Type == gjson.String {
		budget = thinkingBudget(effort.Str)
	}
	if r.reasoning.Get("summary").Exists() {
		o.drop("reasoning_summary") // Claude's thinking is sent as the summary either way
	}
	if budget > 0 && noThinking {
		o.drop("reasoning")
		budget = 0
	}
	maxTokens := int64(0)
	if r.maxTokens.Type == gjson.Number {
		maxTokens = r.maxTokens.Int()
	}
	budget, maxTokens = fitBudget(budget, maxTokens, &o, "reasoning")
	b = appendKey(b, "max_tokens")
	b = appendInt(b, maxTokens)

	var kinds toolKinds
	if b, kinds, err = responsesTools(b, r.tools, r.toolChoice, r.parallel, &o); err != nil {
		return nil, nil, err
	}
	b = chatSampling(b, r.temperature, r.topP, budget > 0, &o)
	if budget > 0 {
		b = appendKey(b, "thinking")
		b = append(b, `{"type":"enabled","budget_tokens":`...)
		b = appendInt(b, budget)
		b = append(b, '}')
	}
	if r.text.Get("verbosity").Exists() {
		o.drop("verbosity")
	}
	if f := r.text.Get("format"); f.Exists() {
		switch f.Get("type").Str {
		case "text":
		case "json_schema":
			if schema := f.Get("schema"); schema.IsObject() {
				b = appendKey(b, "output_config")
				b = append(b, `{"format":{"type":"json_schema","schema":`...)
				b = append(b, schema.Raw...)
				b = append(b, `}}`...)
				break
			}
			o.drop("text_format")
		default:
			o.drop("text_format")
		}
	}
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
	return append(b, '}'), kinds, nil
}

// fitBudget fits a thinking budget into max_tokens (0: not set), as Messages require:
// max_tokens defaults to the budget plus DefaultMaxTokens; a max_tokens with no room for
// the smallest budget leaves thinking off (the field named label is dropped).
func fitBudget(budget, maxTokens int64, o *Options, label string) (int64, int64) {
	switch {
	case budget > 0 && maxTokens <= 0:
		maxTokens = budget + DefaultMaxTokens
	case budget > 0 && maxTokens <= minThinkingBudget:
		o.drop(label)
		budget = 0
	case budget >= maxTokens:
		budget = maxTokens - 1
	}
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	return budget, maxTokens
}
