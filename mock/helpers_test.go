package mock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
)

const testKey = "sk-test-mock"

// recorder keeps the last request body the mock received, so tests can compute the
// usage it must report from exactly the bytes an SDK sent.
type recorder struct {
	mu   sync.Mutex
	body []byte
}

func (rec *recorder) last() []byte {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.body
}

// newServer starts the mock on 127.0.0.1 behind a body recorder.
func newServer(t *testing.T, opts Options) (*httptest.Server, *recorder) {
	t.Helper()
	h := New(opts, slog.New(slog.DiscardHandler))
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.mu.Lock()
		rec.body = b
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	name string
	data string
}

// readSSE parses a whole event stream (a test-side parser, independent of the SDKs).
func readSSE(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	br := bufio.NewReader(r)
	var out []sseEvent
	var cur sseEvent
	for range 100000 {
		line, err := br.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			if cur != (sseEvent{}) {
				t.Errorf("stream ended inside an event: %+v", cur)
			}
			return out
		}
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("reading stream: %v", err)
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r") // Gemini ends lines in CRLF
		switch {
		case line == "":
			out = append(out, cur)
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if cur.data != "" {
				t.Errorf("event with two data lines: %q", line)
			}
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Errorf("unexpected stream line %q", line)
		}
	}
	t.Fatal("stream too long")
	return nil
}

// send makes one request with the given headers and returns the response.
func send(t *testing.T, method, url, path, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// assertUsage checks got equals a non-trivial want.
func assertUsage(t *testing.T, got, want usage.Usage) {
	t.Helper()
	if got != want {
		t.Errorf("usage = %+v, want %+v", got, want)
	}
	if want.Input < 1 || want.Output < 1 {
		t.Errorf("expected usage %+v has no input or output: the test proves nothing", want)
	}
}

// syncWriter serialises writes to w (the server logs from many goroutines).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(fmt.Stringer).String()
}

// optsName names a subtest after the options that matter to it.
func optsName(o Options) string { return fmt.Sprintf("words=%d,chunk_bytes=%d", o.Words, o.ChunkBytes) }
