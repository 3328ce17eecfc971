package metering

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/sse"
	"github.com/tollgate/tollgate/llm/usage"
)

func TestFinishIsIdempotent(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for _, enc := range []string{"", "gzip"} {
			b := body(t, f)
			if enc == "gzip" {
				b = compress(t, encoders[0], b)
			}
			m := New(f.Kind, f.ContentType, enc, Limits{})
			first := meter(m, chunks(b, 50))
			m.Write(b) // ignored after Finish
			if again := m.Finish(); again != first {
				t.Fatalf("%s/%q: second Finish %+v, first %+v", f.Name, enc, again, first)
			}
			checkResult(t, f, enc, first)
		}
	}
}

// Finish mid-stream (the client went away) returns what was seen and stops the
// decoding goroutine; so does Finish after an error, and Finish with no body at all.
func TestNoGoroutineLeak(t *testing.T) {
	fx := loadFixtures(t)
	baseline := runtime.NumGoroutine()
	for _, f := range fx {
		z := compress(t, encoders[0], body(t, f))
		for _, cut := range []int{0, 1, len(z) / 2, len(z)} {
			m := New(f.Kind, f.ContentType, "gzip", Limits{})
			m.Write(z[:cut])
			m.Finish()
		}
		m := New(f.Kind, f.ContentType, "gzip", Limits{MaxDecodedBytes: 10})
		m.Write(z)
		m.Write(z)
		if m.Err() == nil {
			t.Fatalf("%s: no error past a 10-byte cap", f.Name)
		}
		m.Finish()
	}
	var n int
	for i := 0; i < 200; i++ { // the goroutines have exited; wait for the runtime to reap them
		if n = runtime.NumGoroutine(); n <= baseline {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines after Finish, baseline %d", n, baseline)
}

// The interrupted fixture through gzip, cut mid-event: Finish returns the counts seen.
func TestInterruptedEncodedStream(t *testing.T) {
	for _, f := range loadFixtures(t) {
		if f.Name != "anthropic_stream" {
			continue
		}
		b := body(t, f)
		z := compress(t, encoders[0], b)
		m := New(f.Kind, f.ContentType, "gzip", Limits{})
		m.Write(z[:len(z)*2/3])
		got := m.Finish()
		if got.Err != nil || !got.Seen || got.Usage.Input != f.Usage.Input || got.Usage.CacheRead != f.Usage.CacheRead {
			t.Fatalf("interrupted: %+v", got)
		}
		if got.Usage.Output >= f.Usage.Output {
			t.Fatalf("interrupted stream reported the final output count %d", got.Usage.Output)
		}
		return
	}
	t.Fatal("anthropic_stream fixture missing")
}

func TestFirstContentAt(t *testing.T) {
	stream := []byte("event: message_start\n" +
		"data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n" +
		"event: ping\ndata: {\"type\":\"ping\"}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}\n\n")
	// The first delta's blank line ends at this offset: the chunk holding it gets the time.
	end := bytes.Index(stream, []byte("\"a\"}}\n\n")) + len("\"a\"}}\n\n")
	for _, size := range []int{1, 10, 64, len(stream)} {
		clock := &fakeClock{}
		m := New(api.AnthropicMessages, "text/event-stream", "", Limits{Now: clock.Now})
		for i, c := range chunks(stream, size) {
			clock.set(i)
			m.Write(c)
		}
		want := &fakeClock{}
		want.set((end - 1) / size)
		if got := m.Finish(); !got.FirstContentAt.Equal(want.now) {
			t.Fatalf("chunks of %d: FirstContentAt %v, want %v", size, got.FirstContentAt, want.now)
		}
	}
}

// lineFramer stands in for an AWS event-stream framer: each newline-terminated line of
// the decoded body is one event payload, passed with no name.
type lineFramer struct {
	ex      usage.Extractor
	pending []byte
}

func (l *lineFramer) Write(p []byte) error {
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return nil
		}
		l.ex.Event("", l.pending[:i])
		l.pending = l.pending[i+1:]
	}
}

func (l *lineFramer) Finish() error { return nil }

func TestNewWithFramer(t *testing.T) {
	for _, f := range loadFixtures(t) {
		if f.ContentType != "text/event-stream" || !f.Kind.AnthropicShaped() {
			continue
		}
		// Re-frame the fixture's event payloads one per line, as decoded event-stream
		// chunks would arrive.
		var payloads []byte
		p := sse.NewParser(0, func(_ string, data []byte) {
			payloads = append(append(payloads, data...), '\n')
		})
		p.Write(body(t, f))
		for _, enc := range []string{"", "gzip"} {
			b := payloads
			if enc == "gzip" {
				b = compress(t, encoders[0], b)
			}
			nf := func(ex usage.Extractor, _ Limits) Framer { return &lineFramer{ex: ex} }
			m := NewWithFramer(api.BedrockInvokeStream, enc, Limits{}, nf)
			checkResult(t, f, "eventstream/"+enc, meter(m, chunks(b, 13)))
		}
	}
}
