package bench

import (
	"fmt"
	"strings"
)

// Tokens is a normalised token usage, in the four disjoint kinds tollgate reports in its
// dynamic metadata (namespace "tollgate"): their sum is every billed token.
type Tokens struct {
	Input      int64 `json:"input_tokens"`
	Output     int64 `json:"output_tokens"`
	CacheRead  int64 `json:"cache_read_tokens"`
	CacheWrite int64 `json:"cache_write_tokens"`
}

func (t Tokens) add(o Tokens) Tokens {
	return Tokens{t.Input + o.Input, t.Output + o.Output, t.CacheRead + o.CacheRead, t.CacheWrite + o.CacheWrite}
}

func (t Tokens) times(n int64) Tokens {
	return Tokens{t.Input * n, t.Output * n, t.CacheRead * n, t.CacheWrite * n}
}

// Response streams of the scenarios: one SSE event per chunk, as Envoy passes on a token
// stream that the provider flushes event by event.

// openAIChatStream is an OpenAI chat.completion.chunk stream of exactly chunks events: a
// role chunk, content chunks, a finish chunk, the usage chunk (stream_options.include_usage)
// and [DONE]. promptTokens includes cachedTokens, as OpenAI reports them; the returned
// Tokens are the normalised (disjoint) counts.
func openAIChatStream(model string, chunks int, promptTokens, cachedTokens int64) ([][]byte, Tokens) {
	const head = `data: {"id":"chatcmpl-bench0001","object":"chat.completion.chunk","created":1767225600,"model":`
	g := newTextGen(4)
	content := chunks - 4
	out := make([][]byte, 0, chunks)
	ev := func(rest string) {
		out = append(out, []byte(head+jsonString(model)+`,"system_fingerprint":null,`+rest+"\n\n"))
	}
	ev(`"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`)
	for range content {
		ev(`"choices":[{"index":0,"delta":{"content":` + jsonString(" "+g.text(12)) + `},"logprobs":null,"finish_reason":null}],"usage":null}`)
	}
	ev(`"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`)
	completion := int64(content)
	ev(fmt.Sprintf(`"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":%d,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
		promptTokens, completion, promptTokens+completion, cachedTokens))
	out = append(out, []byte("data: [DONE]\n\n"))
	return out, Tokens{Input: promptTokens - cachedTokens, Output: completion, CacheRead: cachedTokens}
}

// anthropicStream is an Anthropic Messages event stream of exactly events events:
// message_start (with the input and cache usage), content_block_start, ping, text deltas,
// content_block_stop, message_delta (cumulative usage) and message_stop. The output token
// count is the number of deltas.
func anthropicStream(model string, events int, in, cacheRead, cacheWrite int64) ([][]byte, Tokens) {
	g := newTextGen(5)
	deltas := events - 6
	out := make([][]byte, 0, events)
	ev := func(typ, data string) { out = append(out, []byte("event: "+typ+"\ndata: "+data+"\n\n")) }
	ev("message_start", fmt.Sprintf(`{"type":"message_start","message":{"model":%s,"id":"msg_bench0001","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation":{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}`,
		jsonString(model), in, cacheWrite, cacheRead, cacheWrite))
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	ev("ping", `{"type": "ping"}`)
	for range deltas {
		ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+jsonString(" "+g.text(14))+`}}`)
	}
	ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
	output := int64(deltas)
	ev("message_delta", fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"output_tokens":%d}}`,
		in, cacheWrite, cacheRead, output))
	ev("message_stop", `{"type":"message_stop"}`)
	return out, Tokens{Input: in, Output: output, CacheRead: cacheRead, CacheWrite: cacheWrite}
}

// joined is the concatenation of chunks: the whole body, for BUFFERED mode.
func joined(chunks [][]byte) []byte {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range chunks {
		b.Write(c)
	}
	return []byte(b.String())
}
