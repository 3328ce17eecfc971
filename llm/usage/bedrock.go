package usage

import (
	"bytes"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Reporter is implemented by extractors of APIs whose streams also carry the provider's
// own, independent count of the usage (Bedrock's amazon-bedrock-invocationMetrics), so
// that callers can cross-check the two.
type Reporter interface {
	// Reported is that count, once seen. Whether its Input includes cached tokens is not
	// documented; compare it only when nothing was cached.
	Reported() (Usage, bool)
}

var invocationMetricsKey = []byte(`"amazon-bedrock-invocationMetrics"`)

// bedrockStream reads Bedrock's InvokeModelWithResponseStream, whose chunks are
// Anthropic events; its message_stop event also carries amazon-bedrock-invocationMetrics.
type bedrockStream struct {
	anthropic
	reported    Usage
	hasReported bool
}

func (e *bedrockStream) Event(name string, data []byte) bool {
	typ := eventType(name, data)
	if typ == anthropicMessageStop && bytes.Contains(data, invocationMetricsKey) {
		// A string view of data, used only during this call, saves gjson's copy.
		if m := gjson.Get(unsafe.String(&data[0], len(data)), "amazon-bedrock-invocationMetrics"); m.IsObject() {
			e.reported = Usage{
				Input:      m.Get("inputTokenCount").Int(),
				Output:     m.Get("outputTokenCount").Int(),
				CacheRead:  m.Get("cacheReadInputTokenCount").Int(),
				CacheWrite: m.Get("cacheWriteInputTokenCount").Int(),
			}
			e.hasReported = true
		}
	}
	return e.anthropic.event(typ, data)
}

func (e *bedrockStream) Reported() (Usage, bool) { return e.reported, e.hasReported }
