package pricing

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWarnOnce(t *testing.T) {
	var buf syncBuffer
	w := NewWarnOnce(slog.New(slog.NewTextHandler(&buf, nil)))
	queries := []Query{
		{ProviderType: "openai", ClientModel: "llama-4"},
		{ProviderType: "openai", ClientModel: "mistral-x"},
		{ProviderType: "bedrock", ClientModel: "llama-4"},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	logged := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				for _, q := range queries {
					if w.Unpriced(q) {
						mu.Lock()
						logged++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if logged != len(queries) {
		t.Errorf("logged %d times, want once per model and provider (%d)", logged, len(queries))
	}
	out := buf.String()
	if n := strings.Count(out, "level=WARN"); n != len(queries) || strings.Count(out, "model=llama-4") != 2 {
		t.Errorf("log:\n%s", out)
	}
}

// TestWarnOnceIsBounded: 3,000 invented names of 100 KB each keep at most MaxWarned
// short keys alive, and the overflow is logged once.
func TestWarnOnceIsBounded(t *testing.T) {
	var logs strings.Builder
	w := NewWarnOnce(slog.New(slog.NewTextHandler(&logs, nil)))
	big := strings.Repeat("x", 100<<10)
	for i := range 3000 {
		w.Unpriced(Query{ProviderType: "openai", ClientModel: fmt.Sprintf("%d-%s", i, big)})
	}
	if n := len(w.seen); n != MaxWarned {
		t.Fatalf("remembered %d names, want %d", n, MaxWarned)
	}
	for k := range w.seen {
		if len(k.model) > maxWarnedName {
			t.Fatalf("a remembered name holds %d bytes", len(k.model))
		}
	}
	if c := strings.Count(logs.String(), "more unpriced models"); c != 1 {
		t.Fatalf("overflow logged %d times, want once", c)
	}
	if c := strings.Count(logs.String(), "no price for model"); c != MaxWarned {
		t.Fatalf("%d model warnings, want %d", c, MaxWarned)
	}
}
