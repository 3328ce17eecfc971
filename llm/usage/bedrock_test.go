package usage

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// TestBedrockReported: a Bedrock stream's extractor reports amazon-bedrock-invocationMetrics
// apart from the Anthropic usage, for the caller's cross-check.
func TestBedrockReported(t *testing.T) {
	ex := NewExtractor(api.BedrockInvokeStream)
	r, ok := ex.(Reporter)
	if !ok {
		t.Fatal("the Bedrock stream extractor is not a Reporter")
	}
	ex.Event("", []byte(`{"type":"message_start","message":{"usage":{"input_tokens":12,"output_tokens":1}}}`))
	if _, seen := r.Reported(); seen {
		t.Fatal("reported before message_stop")
	}
	ex.Event("", []byte(`{"type":"message_delta","usage":{"output_tokens":57}}`))
	ex.Event("", []byte(`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":12,"outputTokenCount":57,"invocationLatency":1798,"firstByteLatency":1507,"cacheReadInputTokenCount":8192,"cacheWriteInputTokenCount":2048}}`))
	got, seen := r.Reported()
	if want := (Usage{Input: 12, Output: 57, CacheRead: 8192, CacheWrite: 2048}); !seen || got != want {
		t.Errorf("reported = %+v (%v), want %+v", got, seen, want)
	}
	if u := ex.Usage(); u != (Usage{Input: 12, Output: 57}) {
		t.Errorf("usage = %+v: the invocation metrics are not the stream's usage", u)
	}
	if _, ok := NewExtractor(api.AnthropicMessages).(Reporter); ok {
		t.Error("the Anthropic extractor reports a second count")
	}
}
