package sse

import (
	"bytes"
	"testing"
)

// streamChunk is a typical response body chunk: several Anthropic text deltas.
var streamChunk = bytes.Repeat([]byte("event: content_block_delta\n"+
	`data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"some generated words "}}`+
	"\n\n"), 8)

// BenchmarkParseChunk feeds whole chunks of events: the steady state allocates nothing.
func BenchmarkParseChunk(b *testing.B) {
	n := 0
	p := NewParser(0, func(name string, data []byte) { n += len(data) })
	b.ReportAllocs()
	b.SetBytes(int64(len(streamChunk)))
	for b.Loop() {
		if err := p.Write(streamChunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSplitChunks feeds the same bytes cut at odd offsets, so lines and CRLF
// pairs straddle chunks and go through the carried line.
func BenchmarkParseSplitChunks(b *testing.B) {
	crlf := bytes.ReplaceAll(streamChunk, []byte("\n"), []byte("\r\n"))
	p := NewParser(0, func(string, []byte) {})
	b.ReportAllocs()
	b.SetBytes(int64(len(crlf)))
	for b.Loop() {
		for rest := crlf; len(rest) > 0; {
			n := min(37, len(rest))
			if err := p.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
}

// BenchmarkLargeEventSmallChunks shows that a large event arriving in small chunks costs
// time linear in its size (no rescans of the carried line).
func BenchmarkLargeEventSmallChunks(b *testing.B) {
	ev := append(append([]byte("data: "), bytes.Repeat([]byte("z"), 4<<20)...), "\n\n"...)
	p := NewParser(8<<20, func(string, []byte) {})
	b.ReportAllocs()
	b.SetBytes(int64(len(ev)))
	for b.Loop() {
		for rest := ev; len(rest) > 0; {
			n := min(512, len(rest))
			if err := p.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
}
