package metering

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

func loadFixtures(t testing.TB) []usagetest.Fixture {
	t.Helper()
	fx, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(fx) < 8 {
		t.Fatalf("found %d fixtures in %s, want at least 8", len(fx), usagetest.Dir())
	}
	return fx
}

func body(t testing.TB, f usagetest.Fixture) []byte {
	t.Helper()
	b, err := f.Body()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lineEndings returns the body with each line-ending convention; JSON bodies are
// returned as they are.
func lineEndings(f usagetest.Fixture, b []byte) map[string][]byte {
	if f.ContentType != "text/event-stream" {
		return map[string][]byte{"as-is": b}
	}
	return map[string][]byte{
		"LF":   b,
		"CRLF": bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")),
		"CR":   bytes.ReplaceAll(b, []byte("\n"), []byte("\r")),
	}
}

// chunks cuts b into pieces of n bytes.
func chunks(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		k := min(n, len(b))
		out, b = append(out, b[:k]), b[k:]
	}
	return out
}

// meter writes the pieces to m, each in a fresh copy that is then overwritten, so a
// meter that kept a reference to a chunk would be caught.
func meter(m *Meter, pieces [][]byte) Result {
	for _, p := range pieces {
		c := append([]byte(nil), p...)
		m.Write(c)
		for i := range c {
			c[i] = 'X'
		}
	}
	return m.Finish()
}

// checkResult compares a result with a fixture's expectations.
func checkResult(t *testing.T, f usagetest.Fixture, how string, got Result) {
	t.Helper()
	if got.Err != nil {
		t.Fatalf("%s/%s: Err = %v", f.Name, how, got.Err)
	}
	if got.Usage != f.Usage || got.Seen != f.Seen {
		t.Fatalf("%s/%s: usage %+v seen %v, want %+v seen %v", f.Name, how, got.Usage, got.Seen, f.Usage, f.Seen)
	}
	if !got.FirstContentAt.IsZero() != f.FirstContent {
		t.Fatalf("%s/%s: FirstContentAt %v, want content %v", f.Name, how, got.FirstContentAt, f.FirstContent)
	}
}

// fakeClock returns a fixed time, which tests move between writes.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) set(i int) { c.now = time.Unix(int64(1000+i), 0) }

func name(parts ...any) string { return fmt.Sprint(parts...) }
