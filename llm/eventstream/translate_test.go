package eventstream

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// translateAll feeds full split at the given offsets and returns the SSE output.
func translateAll(t *testing.T, full []byte, splits ...int) (string, error) {
	t.Helper()
	tr := NewTranslator(Handler{})
	var out bytes.Buffer
	prev := 0
	for _, s := range append(splits, len(full)) {
		b, err := tr.Write(full[prev:s])
		out.Write(b)
		if err != nil {
			return out.String(), err
		}
		prev = s
	}
	b, err := tr.Finish()
	out.Write(b)
	return out.String(), err
}

func golden(t *testing.T, name, got string) string {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(want)
}

func TestTranslatorGoldenEverySplitOffset(t *testing.T) {
	full := stream(t, loadEvents(t), exceptionFrame(t, "modelStreamErrorException", "The model stream failed."))
	whole, err := translateAll(t, full)
	if err != nil {
		t.Fatal(err)
	}
	want := golden(t, "stream.sse", whole)
	if whole != want {
		t.Fatalf("SSE differs from testdata/stream.sse:\n%s", whole)
	}
	for split := 0; split <= len(full); split++ {
		got, err := translateAll(t, full, split)
		if err != nil || got != want {
			t.Fatalf("split %d: err %v, output differs:\n%s", split, err, got)
		}
	}
}

func TestTranslatorPassesEventsToHandler(t *testing.T) {
	events := loadEvents(t)
	var rec recorder
	tr := NewTranslator(rec.handler())
	if _, err := tr.Write(stream(t, events, exceptionFrame(t, "throttlingException", "slow down"))); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != len(events) || len(rec.exceptions) != 1 {
		t.Fatalf("handler saw %d events, %d exceptions", len(rec.events), len(rec.exceptions))
	}
	if m, ok := tr.Metrics(); !ok || m.OutputTokens != 57 {
		t.Fatalf("metrics = %+v, %v", m, ok)
	}
}

func TestTranslatorExceptions(t *testing.T) {
	tests := []struct{ exception, wantType string }{
		{"throttlingException", "rate_limit_error"},
		{"validationException", "invalid_request_error"},
		{"serviceUnavailableException", "overloaded_error"},
		{"modelTimeoutException", "api_error"},
		{"internalServerException", "api_error"},
		{"modelStreamErrorException", "api_error"},
		{"somethingNewException", "api_error"},
	}
	for _, tc := range tests {
		t.Run(tc.exception, func(t *testing.T) {
			got, err := translateAll(t, exceptionFrame(t, tc.exception, `it "failed"`))
			if err != nil {
				t.Fatal(err)
			}
			want := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + tc.wantType +
				"\",\"message\":\"it \\\"failed\\\"\"}}\n\n"
			if got != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestTranslatorCorruptStream(t *testing.T) {
	events := loadEvents(t)
	good := stream(t, events[:2])
	bad := chunkFrame(t, events[2])
	bad[len(bad)-6] ^= 1
	tr := NewTranslator(Handler{})
	out, err := tr.Write(append(append([]byte(nil), good...), bad...))
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	s := string(out)
	if !strings.HasPrefix(s, "event: message_start\n") || strings.Count(s, "event: ") != 3 ||
		!strings.HasSuffix(s, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\""+corruptMessage+"\"}}\n\n") {
		t.Fatalf("output = %q", s)
	}
	if out, err := tr.Write(stream(t, events[3:4])); out != nil || !errors.Is(err, ErrChecksum) {
		t.Fatalf("after failure: out %q err %v", out, err)
	}
}

func TestTranslatorTruncatedStream(t *testing.T) {
	f := chunkFrame(t, loadEvents(t)[0])
	got, err := translateAll(t, f[:len(f)-3])
	if !errors.Is(err, ErrTruncated) || !strings.HasPrefix(got, "event: error\n") {
		t.Fatalf("got %q, err %v", got, err)
	}
}

func TestAppendSSE(t *testing.T) {
	tests := []struct{ typ, data, want string }{
		{"ping", `{"type":"ping"}`, "event: ping\ndata: {\"type\":\"ping\"}\n\n"},
		{"", `{}`, "data: {}\n\n"},
		{"x", "{\n\"a\":1\r\n}", "event: x\ndata: {\ndata: \"a\":1\ndata: }\n\n"},
	}
	for _, tc := range tests {
		if got := string(appendSSE(nil, tc.typ, []byte(tc.data))); got != tc.want {
			t.Errorf("appendSSE(%q, %q) = %q, want %q", tc.typ, tc.data, got, tc.want)
		}
	}
}

func TestTranslatorEventTypeCannotBreakFraming(t *testing.T) {
	got, err := translateAll(t, rawChunk(t, `{"bytes":"eyJ0eXBlIjoiYVxuYiJ9"}`)) // {"type":"a\nb"}
	if err != nil {
		t.Fatal(err)
	}
	if got != "data: {\"type\":\"a\\nb\"}\n\n" {
		t.Fatalf("got %q", got)
	}
}
