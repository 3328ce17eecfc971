package translate

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// chatRequest200KB is a Chat request of about 200 KB: a coding session with a system
// prompt, tools, and turns of text, tool calls and tool results.
func chatRequest200KB() []byte {
	var b bytes.Buffer
	b.WriteString(`{"model":"claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":8192,"messages":[`)
	b.WriteString(`{"role":"system","content":"You are a coding assistant. Read files before you edit them, and explain each change."}`)
	line := `func handle(w http.ResponseWriter, r *http.Request) { if err := serve(w, r); err != nil { log.Printf(\"serve: %v\", err) } }\n`
	for i := 0; b.Len() < 200<<10; i++ {
		id := "call_" + strconv.Itoa(i)
		fmt.Fprintf(&b, `,{"role":"user","content":"Step %d: look at handler_%d.go and fix the bug \"nil map\"."}`, i, i)
		fmt.Fprintf(&b, `,{"role":"assistant","content":"Reading it.","tool_calls":[{"id":%q,"type":"function","function":{"name":"read_file","arguments":"{\"path\":\"handler_%d.go\"}"}}]}`, id, i)
		fmt.Fprintf(&b, `,{"role":"tool","tool_call_id":%q,"content":"`, id)
		for j := 0; j < 12; j++ {
			b.WriteString(line)
		}
		b.WriteString(`"}`)
	}
	b.WriteString(`],"tools":[{"type":"function","function":{"name":"read_file","description":"Read a file.","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}}]}`)
	return b.Bytes()
}

// messagesStream500 is a Messages stream of 500 events: message_start, a text block of
// 495 deltas, message_delta and message_stop.
func messagesStream500() []byte {
	var b bytes.Buffer
	b.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1200,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4096,\"output_tokens\":1}}}\n\n")
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for i := 0; i < 495; i++ {
		b.WriteString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" the word\"}}\n\n")
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":495}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return b.Bytes()
}

// chunks splits a stream into its events, one chunk each (as a provider flushes them).
func chunks(stream []byte) [][]byte {
	var out [][]byte
	for len(stream) > 0 {
		i := bytes.Index(stream, []byte("\n\n"))
		out = append(out, stream[:i+2])
		stream = stream[i+2:]
	}
	return out
}

func BenchmarkRequestChatToMessages200KB(b *testing.B) {
	body := chatRequest200KB()
	o := Options{Model: "claude-sonnet-4-5-20250929"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Request(ChatToMessages, body, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamMessagesToChat500Events(b *testing.B) {
	stream := messagesStream500()
	cs := chunks(stream)
	x := Exchange{Pair: ChatToMessages, ClientModel: "claude-sonnet-4-5", Stream: true, IncludeUsage: true}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewResponse(x, FramingSSE, nopSink{})
		for i, c := range cs {
			if _, err := r.Translate(c, i == len(cs)-1); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestChunkAllocations: translating a chunk allocates a bounded amount, the same after
// ten events as after thousands.
func TestChunkAllocations(t *testing.T) {
	cs := chunks(messagesStream500())
	x := Exchange{Pair: ChatToMessages, ClientModel: "m", Stream: true}
	delta := cs[2]
	for _, warm := range []int{10, 5000} {
		r := NewResponse(x, FramingSSE, nopSink{})
		r.Translate(cs[0], false)
		r.Translate(cs[1], false)
		for range warm {
			r.Translate(delta, false)
		}
		if a := testing.AllocsPerRun(200, func() { r.Translate(delta, false) }); a > 0 {
			t.Errorf("after %d events a text delta costs %.1f allocations, want 0", warm, a)
		}
	}
	chat := []byte(`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" the word"},"finish_reason":null}]}` + "\n\n")
	r := NewResponse(Exchange{Pair: MessagesToChat, ClientModel: "m", Stream: true}, FramingSSE, nopSink{})
	for range 1000 {
		r.Translate(chat, false)
	}
	if a := testing.AllocsPerRun(200, func() { r.Translate(chat, false) }); a > 0 {
		t.Errorf("a chat content delta costs %.1f allocations, want 0", a)
	}
}
