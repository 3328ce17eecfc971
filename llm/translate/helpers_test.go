package translate

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update-translate-golden", false, "rewrite the llm/translate golden files")

func init() { now = func() time.Time { return time.Unix(1767225600, 0) } }

// golden compares got with testdata/path, rewriting it under -update-translate-golden.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", path)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update-translate-golden to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file:\ngot:  %s\nwant: %s", path, got, want)
	}
}

func fixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sink records what a translator hands the meter.
type sink struct {
	events [][]byte
	bodies int
	err    error
}

func (s *sink) Event(_ string, data []byte) { s.events = append(s.events, bytes.Clone(data)) }
func (s *sink) Body([]byte)                 { s.bodies++ }
func (s *sink) Fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// nopSink ignores everything (benchmarks).
type nopSink struct{}

func (nopSink) Event(string, []byte) {}
func (nopSink) Body([]byte)          {}
func (nopSink) Fail(error)           {}

// sseData returns the data of each event of an SSE body.
func sseData(body []byte) [][]byte {
	var out [][]byte
	for _, ev := range bytes.Split(body, []byte("\n\n")) {
		for _, line := range bytes.Split(ev, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// checkJSONEvents fails when an event of an SSE body is not JSON (but [DONE]).
func checkJSONEvents(t *testing.T, body []byte) {
	t.Helper()
	for _, d := range sseData(body) {
		if string(d) != "[DONE]" && !json.Valid(d) {
			t.Errorf("event data is not JSON: %s", d)
		}
	}
}

// translateAll runs a whole body through a new translator in chunks split at the given
// offsets, and returns the concatenated output and the error of the first failing call.
func translateAll(x Exchange, f Framing, s Sink, body []byte, splits ...int) ([]byte, error) {
	r := NewResponse(x, f, s)
	var out []byte
	var first error
	prev := 0
	for i, at := range append(splits, len(body)) {
		o, err := r.Translate(body[prev:at], i == len(splits))
		out = append(out, o...)
		if err != nil && first == nil {
			first = err
		}
		prev = at
	}
	return out, first
}
