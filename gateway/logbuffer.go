package gateway

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// LogBuffer batches log lines into fewer writes: `tollgate serve` writes one line per
// request, and a write(2) per line to the container's log pipe is part of each request's
// cost (BENCHMARKS.md). Lines are written once LogFlushBytes are waiting, at most
// LogFlushInterval after the first of them, at Close, and at once for a WARN or ERROR
// line (with everything before it), so that a line explaining trouble is never the one
// held back. The price: should the process die without Close (SIGKILL, a fatal runtime
// error), the info lines of its last LogFlushInterval are lost; the metrics and Envoy's
// access log still count those requests. Safe for concurrent use; a line is never split
// (slog's handlers write a record with one Write).
type LogBuffer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	timer  *time.Timer // armed while lines are waiting
	closed bool
	err    error // the first write error: every later Write returns it
}

// When a LogBuffer writes.
const (
	LogFlushInterval = 100 * time.Millisecond
	LogFlushBytes    = 32 << 10
)

// NewLogBuffer returns a LogBuffer writing to w.
func NewLogBuffer(w io.Writer) *LogBuffer {
	b := &LogBuffer{w: w}
	b.timer = time.AfterFunc(time.Hour, func() { _ = b.Flush() })
	b.timer.Stop()
	return b
}

// urgent levels are written at once; the level is near the start of a JSON record:
// {"time":"…","level":"…".
var urgent = [][]byte{[]byte(`"level":"WARN`), []byte(`"level":"ERROR`)}

// Write buffers p, one log line; see LogBuffer for when it is written.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.closed {
		return b.write(p)
	}
	wasEmpty := len(b.buf) == 0
	b.buf = append(b.buf, p...)
	head := p[:min(len(p), 64)]
	if len(b.buf) >= LogFlushBytes || bytes.Contains(head, urgent[0]) || bytes.Contains(head, urgent[1]) {
		return len(p), b.flushLocked()
	}
	if wasEmpty {
		b.timer.Reset(LogFlushInterval)
	}
	return len(p), nil
}

// Flush writes what is waiting.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// Close writes what is waiting; lines after it are written at once.
func (b *LogBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return b.flushLocked()
}

func (b *LogBuffer) flushLocked() error {
	b.timer.Stop()
	if len(b.buf) == 0 || b.err != nil {
		return b.err
	}
	_, err := b.write(b.buf)
	if cap(b.buf) > 4*LogFlushBytes { // do not keep a burst's buffer for ever
		b.buf = nil
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

func (b *LogBuffer) write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	if err != nil && b.err == nil {
		b.err = err
	}
	return n, err
}
