package metering

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/tollgate/tollgate/llm/api"
)

type encoder struct {
	name string
	wrap func(io.Writer) io.WriteCloser
}

type flusher interface{ Flush() error }

var encoders = []encoder{
	{"gzip", func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }},
	{"br", func(w io.Writer) io.WriteCloser { return brotli.NewWriter(w) }},
	{"deflate", func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }},
}

func compress(t testing.TB, enc encoder, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := enc.wrap(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Compressed fixtures give the same usage, fed in small chunks and byte by byte.
func TestEncodedFixtures(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for _, enc := range encoders {
			z := compress(t, enc, body(t, f))
			for _, size := range []int{1, 7, 64, len(z)} {
				m := New(f.Kind, f.ContentType, enc.name, Limits{})
				checkResult(t, f, name(enc.name, "/chunks of ", size), meter(m, chunks(z, size)))
			}
		}
	}
}

// A server that flushes its compressor after every event lets the meter see each event
// during the Write that carries it: decoding is incremental, not done at the end.
func TestEncodedStreamIsMeteredIncrementally(t *testing.T) {
	events := [][]byte{
		[]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"),
		[]byte("event: ping\ndata: {\"type\":\"ping\"}\n\n"),
		[]byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"),
		[]byte("event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":12}}\n\n"),
	}
	for _, enc := range encoders {
		var buf bytes.Buffer
		w := enc.wrap(&buf)
		var pieces [][]byte
		for _, e := range events {
			w.Write(e)
			if err := w.(flusher).Flush(); err != nil {
				t.Fatal(err)
			}
			pieces = append(pieces, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
		w.Close()
		pieces = append(pieces, bytes.Clone(buf.Bytes()))

		clock := &fakeClock{}
		m := New(api.AnthropicMessages, "text/event-stream", enc.name, Limits{Now: clock.Now})
		for i, p := range pieces {
			clock.set(i)
			m.Write(p)
		}
		clock.set(100)
		got := m.Finish()
		if got.Err != nil || got.Usage.Input != 9 || got.Usage.Output != 12 {
			t.Fatalf("%s: result %+v", enc.name, got)
		}
		want := &fakeClock{}
		want.set(2) // the chunk carrying the text delta
		if !got.FirstContentAt.Equal(want.now) {
			t.Fatalf("%s: FirstContentAt %v, want %v (the third chunk)", enc.name, got.FirstContentAt, want.now)
		}
	}
}

func TestEncodingErrors(t *testing.T) {
	good := compress(t, encoders[0], []byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n"))
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-6] ^= 0xFF // inside the CRC-32 trailer
	tests := []struct {
		name     string
		encoding string
		body     []byte
		wantErr  func(error) bool
		wantSeen bool
	}{
		{name: "not gzip", encoding: "gzip", body: []byte("data: {}\n\n"),
			wantErr: func(err error) bool { return errors.Is(err, gzip.ErrHeader) }},
		{name: "bad checksum", encoding: "gzip", body: corrupt, wantSeen: true,
			wantErr: func(err error) bool { return errors.Is(err, gzip.ErrChecksum) }},
		{name: "not brotli", encoding: "br", body: bytes.Repeat([]byte{0xFF}, 64),
			wantErr: func(err error) bool { return err != nil }},
		{name: "truncated stream is an interruption, not an error", encoding: "gzip",
			body: good[:len(good)-4], wantSeen: true, wantErr: func(err error) bool { return err == nil }},
		{name: "unsupported encoding", encoding: "zstd", body: good,
			wantErr: func(err error) bool { return errors.Is(err, ErrUnsupportedEncoding) }},
		{name: "stacked encodings unsupported", encoding: "gzip, br", body: good,
			wantErr: func(err error) bool { return errors.Is(err, ErrUnsupportedEncoding) }},
		{name: "x-gzip and case", encoding: " X-GZIP ", body: good, wantSeen: true,
			wantErr: func(err error) bool { return err == nil }},
	}
	for _, tt := range tests {
		m := New(api.AnthropicMessages, "text/event-stream", tt.encoding, Limits{})
		got := meter(m, chunks(tt.body, 3))
		if !tt.wantErr(got.Err) || !tt.wantErr(m.Err()) {
			t.Errorf("%s: Err = %v", tt.name, got.Err)
		}
		if got.Seen != tt.wantSeen {
			t.Errorf("%s: Seen = %v, want %v", tt.name, got.Seen, tt.wantSeen)
		}
	}
}

// gzipBomb is a valid multi-member gzip body that decodes to about members MiB of SSE
// comment lines (which the parser holds nothing for), from about a kilobyte per member.
func gzipBomb(t testing.TB, members int) []byte {
	line := append(append([]byte(": "), bytes.Repeat([]byte("z"), 1021)...), '\n')
	member := compress(t, encoders[0], bytes.Repeat(line, 1024))
	return bytes.Repeat(member, members)
}

func TestDecodedSizeCap(t *testing.T) {
	head := compress(t, encoders[0], []byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n"))
	bomb := append(head, gzipBomb(t, 16)...)
	m := New(api.AnthropicMessages, "text/event-stream", "gzip", Limits{MaxDecodedBytes: 4 << 20})
	got := meter(m, chunks(bomb, 4096))
	if !errors.Is(got.Err, ErrDecodedTooLarge) {
		t.Fatalf("Err = %v, want ErrDecodedTooLarge", got.Err)
	}
	if !got.Seen || got.Usage.Input != 4 {
		t.Fatalf("usage seen before the cap lost: %+v", got)
	}
	// Below the cap the same body meters fine.
	m = New(api.AnthropicMessages, "text/event-stream", "gzip", Limits{MaxDecodedBytes: 32 << 20})
	if got := meter(m, chunks(bomb, 4096)); got.Err != nil || got.Usage.Input != 4 {
		t.Fatalf("under the cap: %+v", got)
	}
}

// A gzip bomb costs bounded memory: the meter decodes through a fixed buffer and
// stops at the cap, whatever the decoded size.
func TestGzipBombBoundedMemory(t *testing.T) {
	bomb := gzipBomb(t, 1024) // 1 GiB decoded, about a megabyte compressed
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := New(api.AnthropicMessages, "text/event-stream", "gzip", Limits{MaxDecodedBytes: 64 << 20})
	for _, c := range chunks(bomb, 16<<10) {
		m.Write(c)
	}
	got := m.Finish()
	runtime.ReadMemStats(&after)
	if !errors.Is(got.Err, ErrDecodedTooLarge) {
		t.Fatalf("Err = %v, want ErrDecodedTooLarge", got.Err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("metering a %d-byte bomb up to the 64 MiB cap allocated %d bytes", len(bomb), alloc)
	if alloc > 4<<20 {
		t.Fatalf("metering the bomb allocated %d bytes; want a bounded amount (< 4 MiB)", alloc)
	}
}

func TestMaxEventSize(t *testing.T) {
	start := []byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n")
	big := append([]byte("event: content_block_delta\ndata: "), bytes.Repeat([]byte("x"), 4096)...)
	stream := append(append(bytes.Clone(start), big...), "\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}\n\n"...)
	for _, enc := range []string{"", "gzip"} {
		b := stream
		if enc == "gzip" {
			b = compress(t, encoders[0], stream)
		}
		m := New(api.AnthropicMessages, "text/event-stream", enc, Limits{MaxEventBytes: 1024})
		got := meter(m, chunks(b, 100))
		if got.Err != nil || got.Skipped != 1 {
			t.Fatalf("%q: Err = %v, skipped %d; want the event skipped, not an error", enc, got.Err, got.Skipped)
		}
		if got.Usage.Input != 4 || got.Usage.Output != 9 {
			t.Fatalf("%q: usage %+v, want message_start's input and the message_delta after the skipped event", enc, got.Usage)
		}
	}
}

func TestJSONBodyCap(t *testing.T) {
	b := []byte(`{"usage":{"input_tokens":4,"output_tokens":1},"content":[{"type":"text","text":"` +
		string(bytes.Repeat([]byte("y"), 2000)) + `"}]}`)
	m := New(api.AnthropicMessages, "application/json", "", Limits{MaxBodyBytes: 1000})
	if got := meter(m, chunks(b, 300)); !errors.Is(got.Err, ErrBodyTooLarge) || got.Seen {
		t.Fatalf("result %+v, want ErrBodyTooLarge and no usage", got)
	}
	m = New(api.AnthropicMessages, "application/json", "", Limits{MaxBodyBytes: len(b)})
	if got := meter(m, chunks(b, 300)); got.Err != nil || got.Usage.Input != 4 {
		t.Fatalf("body at the cap: %+v", got)
	}
}
