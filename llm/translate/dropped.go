package translate

// DropFunc is told of one field of a client's request that has no equivalent in the
// upstream API and was left out. label is the field's name when it is one of
// DroppedFields, else "other" (a metric label, bounded); name is the field's own name
// or path (for a log line).
type DropFunc func(label, name string)

// OtherField is the label of a dropped field that is not in DroppedFields.
const OtherField = "other"

// DroppedFields are the labels a dropped field is counted under
// (tollgate_translation_dropped_fields_total{field}), besides OtherField: the request
// fields of either API that tollgate knows to have no equivalent in the other.
var DroppedFields = []string{
	// Chat Completions fields with no Messages equivalent.
	"audio", "frequency_penalty", "function_call", "functions", "image_detail", "logit_bias",
	"logprobs", "message_name", "metadata", "modalities", "moderation", "prediction",
	"presence_penalty", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention",
	"reasoning_content", "reasoning_effort", "response_format", "seed", "service_tier",
	"store", "temperature", "tool_choice", "top_logprobs", "top_p", "verbosity",
	"web_search_options",
	// Messages fields with no Chat equivalent.
	"cache_control", "citations", "container", "context_management", "diagnostics",
	"inference_geo", "is_error", "mcp_servers", "output_format", "redacted_thinking",
	"speed", "thinking_blocks", "top_k",
	// Responses fields with no Messages equivalent.
	"builtin_tools", "max_tool_calls", "reasoning", "reasoning_items", "reasoning_summary",
	"text_format", "truncation", "web_search_call",
}

var droppedLabels = func() map[string]bool {
	m := make(map[string]bool, len(DroppedFields))
	for _, f := range DroppedFields {
		m[f] = true
	}
	return m
}()

// dropLabel is the metric label of a dropped field.
func dropLabel(name string) string {
	if droppedLabels[name] {
		return name
	}
	return OtherField
}

// drop reports a dropped field under its label, once per request and name.
func (o *Options) drop(name string) {
	for _, seen := range o.seen {
		if seen == name {
			return
		}
	}
	o.seen = append(o.seen, name)
	o.Dropped(dropLabel(name), name)
}
