package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/llm/api"
)

// writer writes one response, event by event, each write split into pieces of at most
// chunk bytes and flushed. Its first failure (the client gone, the request context
// ended) is sticky: every later call does nothing. Not safe for concurrent use.
type writer struct {
	ctx   context.Context
	w     http.ResponseWriter
	rc    *http.ResponseController
	chunk int
	buf   bytes.Buffer  // the response or event being built
	enc   *json.Encoder // encodes into buf
	err   error
}

func newWriter(ctx context.Context, w http.ResponseWriter, chunk int) *writer {
	s := &writer{ctx: ctx, w: w, rc: http.NewResponseController(w), chunk: chunk}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	return s
}

// startStream sends the headers of an event stream.
func (s *writer) startStream() {
	if s.err != nil {
		return
	}
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	s.w.WriteHeader(http.StatusOK)
}

// json sends v as a complete application/json response.
func (s *writer) json(v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if !s.encode(v) {
		return
	}
	h := s.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(s.buf.Len()))
	s.w.WriteHeader(http.StatusOK)
	s.write(s.buf.Bytes())
}

// event sends one SSE event: an "event: name" line unless name is empty, then v as the
// "data:" line, then the blank line.
func (s *writer) event(name string, v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if name != "" {
		s.buf.WriteString("event: ")
		s.buf.WriteString(name)
		s.buf.WriteByte('\n')
	}
	s.buf.WriteString("data: ")
	if !s.encode(v) {
		return
	}
	s.buf.WriteString("\n\n")
	s.write(s.buf.Bytes())
}

// encode appends v's JSON (without the encoder's newline) to s.buf.
func (s *writer) encode(v any) bool {
	if err := s.enc.Encode(v); err != nil {
		s.err = err
		return false
	}
	s.buf.Truncate(s.buf.Len() - 1)
	return true
}

// write sends b in flushed pieces of at most s.chunk bytes (all at once if s.chunk <= 0).
func (s *writer) write(b []byte) {
	for len(b) > 0 && s.err == nil {
		n := len(b)
		if s.chunk > 0 && n > s.chunk {
			n = s.chunk
		}
		if _, err := s.w.Write(b[:n]); err != nil {
			s.err = err
			return
		}
		if err := s.rc.Flush(); err != nil {
			s.err = err
			return
		}
		s.err = s.ctx.Err()
		b = b[n:]
	}
}

// wait pauses for d unless the request ends first.
func (s *writer) wait(d time.Duration) {
	if s.err == nil {
		s.err = sleep(s.ctx, d)
	}
}

// writeError answers with e in the error shape of API kind.
func writeError(w http.ResponseWriter, kind api.Kind, e *api.Error) {
	body := e.Body(kind)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// startJSONStream sends the headers of a JSON body written piece by piece (Gemini's
// streamGenerateContent without alt=sse).
func (s *writer) startJSONStream() {
	if s.err != nil {
		return
	}
	s.w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	s.w.WriteHeader(http.StatusOK)
}

// sseLine sends v as one "data:" line followed by end (Gemini ends its events with CRLF
// CRLF).
func (s *writer) sseLine(v any, end string) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	s.buf.WriteString("data: ")
	if !s.encode(v) {
		return
	}
	s.buf.WriteString(end)
	s.write(s.buf.Bytes())
}

// rawJSON sends prefix and v's JSON.
func (s *writer) rawJSON(prefix string, v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	s.buf.WriteString(prefix)
	if s.encode(v) {
		s.write(s.buf.Bytes())
	}
}
