package metering

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// panickyReader stands for a decompressor that panics on hostile input.
type panickyReader struct{ src io.Reader }

func (p panickyReader) Read(b []byte) (int, error) {
	n, err := p.src.Read(b)
	if n > 0 && b[0] == '!' {
		panic("decompressor bug on outside bytes")
	}
	return n, err
}

// TestDecoderPanicIsThisResponsesError: a panic inside the decompression goroutine
// becomes this response's metering error (a goroutine's panic would otherwise kill the
// process), the caller is released, and the goroutine ends.
func TestDecoderPanicIsThisResponsesError(t *testing.T) {
	base := runtime.NumGoroutine()
	d := newDecoder(func(r io.Reader) (io.Reader, error) { return panickyReader{r}, nil }, discard{}, 1<<20)
	if err := d.write([]byte("fine")); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	err := d.write([]byte("!boom"))
	if err == nil {
		err = d.finish()
	}
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("err = %v, want a decoder panic error", err)
	}
	if err := d.finish(); err == nil {
		t.Fatal("finish after the panic reports no error")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Fatalf("%d goroutines left, want %d", n, base)
	}
}
