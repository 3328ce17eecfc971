package metering

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// Steady-state body chunks that carry content but no usage, per client API.
var benchChunks = []struct {
	name  string
	kind  api.Kind
	start string // sent once before the timed loop (first content, usage-free)
	chunk string
}{
	{"openai_chat", api.OpenAIChat,
		`data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}` + "\n\n",
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-5.1","choices":[{"index":0,"delta":{"content":" more words"},"finish_reason":null}],"usage":null}` + "\n\n"},
	{"openai_responses", api.OpenAIResponses,
		"event: response.output_text.delta\n" + `data: {"type":"response.output_text.delta","delta":"x"}` + "\n\n",
		"event: response.output_text.delta\n" + `data: {"type":"response.output_text.delta","sequence_number":7,"item_id":"msg_1","output_index":1,"content_index":0,"delta":" more words","logprobs":[]}` + "\n\n"},
	{"anthropic_messages", api.AnthropicMessages,
		"event: content_block_delta\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}` + "\n\n",
		"event: content_block_delta\n" + `data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" more words"}}` + "\n\n"},
	{"bedrock_unnamed", api.BedrockInvokeStream,
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}` + "\n\n",
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" more words"}}` + "\n\n"},
}

// BenchmarkMeterChunk meters one chunk of several events, without content encoding.
// Chunks that carry no usage allocate nothing.
func BenchmarkMeterChunk(b *testing.B) {
	for _, bc := range benchChunks {
		b.Run(bc.name, func(b *testing.B) {
			chunk := bytes.Repeat([]byte(bc.chunk), 4)
			m := New(bc.kind, "text/event-stream", "", Limits{})
			m.Write([]byte(bc.start))
			b.ReportAllocs()
			b.SetBytes(int64(len(chunk)))
			for b.Loop() {
				m.Write(chunk)
			}
			if m.Err() != nil {
				b.Fatal(m.Err())
			}
		})
	}
}

// BenchmarkMeterGzipChunk meters a gzip stream flushed after every chunk, as a server
// streaming compressed SSE sends it.
func BenchmarkMeterGzipChunk(b *testing.B) {
	bc := benchChunks[2]
	chunk := bytes.Repeat([]byte(bc.chunk), 4)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(bc.start))
	zw.Flush()
	start := bytes.Clone(buf.Bytes())
	pieces := make([][]byte, b.N)
	for i := range pieces {
		buf.Reset()
		zw.Write(chunk)
		zw.Flush()
		pieces[i] = bytes.Clone(buf.Bytes())
	}
	// One long-lived stream: lift the decoded-size cap, which a large b.N would reach.
	m := New(bc.kind, "text/event-stream", "gzip", Limits{MaxDecodedBytes: 1 << 50})
	defer m.Finish()
	m.Write(start)
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Write(pieces[i])
	}
	b.StopTimer()
	if m.Err() != nil {
		b.Fatal(m.Err())
	}
}
