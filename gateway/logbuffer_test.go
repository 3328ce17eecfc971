package gateway

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records each Write it is given.
type writes struct {
	mu   sync.Mutex
	each []string
	fail error
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return 0, w.fail
	}
	w.each = append(w.each, string(p))
	return len(p), nil
}

func (w *writes) all() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.each), strings.Join(w.each, "")
}

func TestLogBufferBatchesLines(t *testing.T) {
	out := &writes{}
	log, _ := NewLogger(NewLogBuffer(out), "info")
	for i := range 50 {
		log.Info("request", "n", i)
	}
	if n, _ := out.all(); n != 0 {
		t.Fatalf("%d writes at once, want the lines held", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n, _ := out.all(); n == 0 && time.Now().Before(deadline); n, _ = out.all() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, text := out.all(); n != 1 || strings.Count(text, "\n") != 50 || !strings.Contains(text, `"n":49`) {
		t.Fatalf("%d writes of %d lines, want the 50 lines in one write", n, strings.Count(text, "\n"))
	}
}

func TestLogBufferWritesTroubleAtOnce(t *testing.T) {
	out := &writes{}
	log, _ := NewLogger(NewLogBuffer(out), "info")
	log.Info("request", "n", 1)
	log.Warn("the provider's reported usage disagrees")
	if n, text := out.all(); n != 1 || !strings.Contains(text, `"n":1`) || !strings.Contains(text, "disagrees") {
		t.Fatalf("a WARN line did not write itself and the lines before it at once: %d writes %q", n, text)
	}
	log.Error("boom")
	if n, _ := out.all(); n != 2 {
		t.Fatalf("an ERROR line was held back (%d writes)", n)
	}
}

func TestLogBufferWritesAtSizeAndClose(t *testing.T) {
	out := &writes{}
	b := NewLogBuffer(out)
	line := []byte(`{"level":"INFO","msg":"` + strings.Repeat("x", 1000) + "\"}\n")
	for range LogFlushBytes/len(line) + 1 {
		if _, err := b.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if n, text := out.all(); n != 1 || len(text)%len(line) != 0 {
		t.Fatalf("%d writes (%d bytes) past %d bytes, want one write of whole lines", n, len(text), LogFlushBytes)
	}
	_, _ = b.Write(line)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	n, _ := out.all()
	_, _ = b.Write(line) // after Close: written at once
	if m, _ := out.all(); n != 2 || m != 3 {
		t.Fatalf("writes: %d after Close, %d after a line past Close; want 2 and 3", n, m)
	}
}

func TestLogBufferKeepsTheFirstError(t *testing.T) {
	boom := errors.New("broken pipe")
	b := NewLogBuffer(&writes{fail: boom})
	_, _ = b.Write([]byte("{}\n"))
	if err := b.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush = %v", err)
	}
	if _, err := b.Write([]byte("{}\n")); !errors.Is(err, boom) {
		t.Fatalf("Write after a failed write = %v", err)
	}
	var empty bytes.Buffer
	if err := NewLogBuffer(&empty).Close(); err != nil || empty.Len() != 0 {
		t.Fatalf("Close of an empty buffer: %v %q", err, empty.String())
	}
}
