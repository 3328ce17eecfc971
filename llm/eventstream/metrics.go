package eventstream

import "github.com/tidwall/gjson"

var metricsKey = []byte(`"amazon-bedrock-invocationMetrics"`)

// InvocationMetrics is Bedrock's own count of a streamed invocation, carried by the
// message_stop event; callers may cross-check it against the Anthropic usage.
type InvocationMetrics struct {
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
	LatencyMillis    int64
	FirstByteMillis  int64
}

func parseMetrics(event []byte) (InvocationMetrics, bool) {
	m := gjson.GetBytes(event, "amazon-bedrock-invocationMetrics")
	if !m.IsObject() {
		return InvocationMetrics{}, false
	}
	return InvocationMetrics{
		InputTokens:      m.Get("inputTokenCount").Int(),
		OutputTokens:     m.Get("outputTokenCount").Int(),
		CacheReadTokens:  m.Get("cacheReadInputTokenCount").Int(),
		CacheWriteTokens: m.Get("cacheWriteInputTokenCount").Int(),
		LatencyMillis:    m.Get("invocationLatency").Int(),
		FirstByteMillis:  m.Get("firstByteLatency").Int(),
	}, true
}
