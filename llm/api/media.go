package api

import "strings"

// MediaType is the lower-cased media type of a Content-Type value, without parameters
// ("Application/JSON; charset=utf-8" → "application/json").
func MediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// Media types of the response bodies tollgate reads.
const (
	MediaJSON = "application/json"
	// MediaSSE is server-sent events, the streams of the Anthropic and OpenAI APIs.
	MediaSSE = "text/event-stream"
	// MediaEventStream is the AWS event stream of Bedrock's InvokeModelWithResponseStream.
	MediaEventStream = "application/vnd.amazon.eventstream"
)

// IsJSON reports whether a media type (as MediaType returns it) is JSON:
// application/json or a structured-syntax +json type.
func IsJSON(mt string) bool {
	return mt == MediaJSON || strings.HasSuffix(mt, "+json")
}
