package usage

import (
	"bytes"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Extractor reads the usage of one response. The caller feeds it either the decoded
// events of a stream (Event) or the whole body of a non-streamed response (Body).
// Implementations are not safe for concurrent use.
type Extractor interface {
	// Event takes one decoded event: its SSE event name ("" when the framing has none;
	// the type is then read from the data's "type" field) and its data. It reports
	// whether this is the first event of the response that carries output content (a
	// text, reasoning or tool-call delta), so the caller can time the first token.
	Event(name string, data []byte) (firstContent bool)
	// Body takes the whole body of a non-streamed response.
	Body(body []byte)
	// Usage is the usage seen so far.
	Usage() Usage
	// Seen reports whether any usage was found.
	Seen() bool
}

// NewExtractor returns the extractor for responses of API k; an endpoint tollgate does
// not know (k.Other()) gets one that reads any known usage shape. Token-counting APIs and
// Unknown get an extractor that never finds usage.
func NewExtractor(k api.Kind) Extractor {
	if k.CountsTokens() {
		return nop{}
	}
	switch k {
	case api.OpenAIChat:
		return &openAIChat{}
	case api.OpenAIResponses:
		return &openAIResponses{}
	case api.BedrockInvokeStream:
		return &bedrockStream{}
	case api.AnthropicMessages, api.BedrockInvoke,
		api.VertexRawPredict, api.VertexStreamRawPredict:
		return &anthropic{}
	case api.AnthropicOther, api.OpenAIResponsesOther, api.OpenAIOther:
		return &anyKnown{}
	case api.GeminiGenerateContent, api.GeminiStreamGenerateContent:
		return &gemini{}
	default:
		return nop{}
	}
}

type nop struct{}

func (nop) Event(string, []byte) bool { return false }
func (nop) Body([]byte)               {}
func (nop) Usage() Usage              { return Usage{} }
func (nop) Seen() bool                { return false }

// hasObjectField reports whether data contains the key `"key"` followed by a JSON
// object (`"usage":{`, whitespace allowed). It is a cheap pre-check before gjson: an
// escaped occurrence inside a JSON string never matches, because its quotes are escaped.
func hasObjectField(data []byte, quotedKey string) bool {
	for len(data) > 0 { // each round consumes at least one byte
		i := bytes.Index(data, []byte(quotedKey))
		if i < 0 {
			return false
		}
		data = data[i+len(quotedKey):]
		j := skipSpace(data, 0)
		if j < len(data) && data[j] == ':' {
			j = skipSpace(data, j+1)
			if j < len(data) && data[j] == '{' {
				return true
			}
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// eventType returns the event's type: its SSE name, or else the data's top-level "type"
// field. The common compact form `{"type":"x"` is read without gjson (and without
// allocating).
func eventType(name string, data []byte) string {
	if name != "" {
		return name
	}
	const prefix = `{"type":"`
	if bytes.HasPrefix(data, []byte(prefix)) {
		rest := data[len(prefix):]
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			return internType(rest[:end])
		}
	}
	return gjson.GetBytes(data, "type").String()
}

// knownTypes are the event types the extractors act on; internType maps them to
// constants so the common path does not allocate.
var knownTypes = map[string]string{}

func init() {
	for _, t := range []string{
		anthropicMessageStart, anthropicMessageDelta, anthropicBlockDelta, "content_block_start",
		"content_block_stop", anthropicMessageStop, "ping", "error",
	} {
		knownTypes[t] = t
	}
}

func internType(b []byte) string {
	if s, ok := knownTypes[string(b)]; ok {
		return s
	}
	return string(b)
}

// nonNegative clamps a count that a provider reported inconsistently.
func nonNegative(n int64) int64 {
	if n < 0 {
		return 0
	}
	return n
}
