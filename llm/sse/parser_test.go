package sse

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type event struct {
	Name, Data string
}

// collect parses the stream written in the given pieces and returns the events and the
// first error.
// collect parses pieces and returns the events and how many were skipped for size.
func collect(max int, pieces ...[]byte) ([]event, int) {
	var got []event
	p := NewParser(max, func(name string, data []byte) {
		got = append(got, event{name, string(data)})
	})
	for _, c := range pieces {
		if err := p.Write(c); err != nil {
			panic(err) // Write never fails
		}
	}
	if err := p.Finish(); err != nil {
		panic(err)
	}
	return got, p.Skipped()
}

// splits returns the ways of feeding s checked by every test: whole, in two pieces at
// every offset, and one byte at a time.
func splits(s []byte) map[string][][]byte {
	out := map[string][][]byte{"whole": {s}}
	for i := 0; i <= len(s); i++ {
		out[fmt.Sprintf("split@%d", i)] = [][]byte{s[:i], s[i:]}
	}
	bytewise := make([][]byte, len(s))
	for i := range s {
		bytewise[i] = s[i : i+1]
	}
	out["bytewise"] = bytewise
	return out
}

func TestParser(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []event
		noCRs bool // the input's line endings must stay as written
	}{
		{name: "single data line", in: "data: hello\n\n", want: []event{{"", "hello"}}},
		{name: "named event", in: "event: ping\ndata: {}\n\n", want: []event{{"ping", "{}"}}},
		{name: "multi-line data joined with LF", in: "data: a\ndata: b\ndata:\n\n",
			want: []event{{"", "a\nb\n"}}},
		{name: "no space after colon", in: "data:x\n\n", want: []event{{"", "x"}}},
		{name: "only one leading space stripped", in: "data:  x \n\n", want: []event{{"", " x "}}},
		{name: "field without colon", in: "data\n\n", want: []event{{"", ""}}},
		{name: "empty data dispatches", in: "data:\n\n", want: []event{{"", ""}}},
		{name: "event without data is not dispatched", in: "event: x\n\ndata: y\n\n",
			want: []event{{"", "y"}}},
		{name: "name resets after dispatch", in: "event: a\ndata: 1\n\ndata: 2\n\n",
			want: []event{{"a", "1"}, {"", "2"}}},
		{name: "last event name wins", in: "event: a\nevent: b\ndata: 1\n\n", want: []event{{"b", "1"}}},
		{name: "comments, id, retry and unknown fields ignored",
			in:   ": keep-alive\nid: 7\nretry: 1000\nfoo: bar\ndata: z\n:\n\n",
			want: []event{{"", "z"}}},
		{name: "unterminated final event discarded", in: "data: a\n\ndata: b\n", want: []event{{"", "a"}}},
		{name: "unterminated final line discarded", in: "data: a\n\ndata: b", want: []event{{"", "a"}}},
		{name: "colon in value kept", in: "data: {\"a\":\"b:c\"}\n\n", want: []event{{"", `{"a":"b:c"}`}}},
		{name: "BOM stripped", in: "\xEF\xBB\xBFdata: a\n\n", want: []event{{"", "a"}}},
		{name: "BOM only at stream start", in: "data: a\n\n\xEF\xBB\xBFdata: b\n\n",
			want: []event{{"", "a"}}},
		{name: "mixed line endings", in: "data: a\r\ndata: b\rdata: c\n\r\n", noCRs: true,
			want: []event{{"", "a\nb\nc"}}},
		{name: "CR then LF across lines", in: "data: a\r\rdata: b\r\n\r\n", noCRs: true,
			want: []event{{"", "a"}, {"", "b"}}},
		{name: "DONE sentinel is plain data", in: "data: [DONE]\n\n", want: []event{{"", "[DONE]"}}},
	}
	for _, tt := range tests {
		endings := map[string]string{"LF": tt.in}
		if !tt.noCRs {
			endings["CRLF"] = strings.ReplaceAll(tt.in, "\n", "\r\n")
			endings["CR"] = strings.ReplaceAll(tt.in, "\n", "\r")
		}
		for ending, in := range endings {
			for how, pieces := range splits([]byte(in)) {
				got, skipped := collect(0, pieces...)
				if skipped != 0 {
					t.Fatalf("%s/%s/%s: %d events skipped", tt.name, ending, how, skipped)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("%s/%s/%s: got %q, want %q", tt.name, ending, how, got, tt.want)
				}
			}
		}
	}
}

func TestParserMaxEventSize(t *testing.T) {
	const max = 64
	big := strings.Repeat("x", max)
	tests := []struct {
		name        string
		in          string
		want        []event
		wantSkipped int
	}{
		// The held bytes are the data so far plus the raw line: "data:" and 59 bytes.
		{name: "largest line that fits", in: "data:" + big[:max-5] + "\n\ndata: after\n\n",
			want: []event{{"", big[:max-5]}, {"", "after"}}},
		{name: "one byte more: skipped, the next event still delivered", in: "data:" + big[:max-4] + "\n\ndata: after\n\n",
			want: []event{{"", "after"}}, wantSkipped: 1},
		// Second line: held data "0123456789\n" (11) + raw line (5+48) = 64.
		{name: "largest two-line event", in: "data:0123456789\ndata:" + big[:48] + "\n\n",
			want: []event{{"", "0123456789\n" + big[:48]}}},
		{name: "two-line event one byte over", in: "data:0123456789\ndata:" + big[:49] + "\n\nevent: usage\ndata: u\n\n",
			want: []event{{"usage", "u"}}, wantSkipped: 1},
		{name: "one data line too large between two events", in: "data: ok\n\ndata:" + big + "\n\ndata: after\n\n",
			want: []event{{"", "ok"}, {"", "after"}}, wantSkipped: 1},
		{name: "the rest of a skipped event is dropped", in: "data:" + big + "\ndata: tail of it\nevent: x\n\ndata: next\n\n",
			want: []event{{"", "next"}}, wantSkipped: 1},
		{name: "many data lines too large", in: strings.Repeat("data: 0123456789\n", 6) + "\ndata: after\n\n",
			want: []event{{"", "after"}}, wantSkipped: 1},
		{name: "an unfinished line too large", in: "data: ok\n\n:" + big + big,
			want: []event{{"", "ok"}}, wantSkipped: 1},
		{name: "two huge events", in: "data:" + big + "\n\ndata:" + big + big + "\n\ndata: end\n\n",
			want: []event{{"", "end"}}, wantSkipped: 2},
		{name: "small events never accumulate", in: strings.Repeat("data: 0123456789\n\n", 50),
			want: repeatEvent(event{"", "0123456789"}, 50)},
	}
	for _, tt := range tests {
		for how, pieces := range splits([]byte(tt.in)) {
			got, skipped := collect(max, pieces...)
			if skipped != tt.wantSkipped {
				t.Fatalf("%s/%s: skipped %d, want %d", tt.name, how, skipped, tt.wantSkipped)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
				t.Fatalf("%s/%s: got %q, want %q", tt.name, how, got, tt.want)
			}
		}
	}
}

func repeatEvent(e event, n int) []event {
	out := make([]event, n)
	for i := range out {
		out[i] = e
	}
	return out
}

// TestSkippedEventReleasesItsMemory: a 10 MB event is not held (the buffers are let
// go), and the parser serves the events that follow.
func TestSkippedEventReleasesItsMemory(t *testing.T) {
	calls := 0
	p := NewParser(1<<10, func(string, []byte) { calls++ })
	huge := []byte("data: " + strings.Repeat("x", 10<<20) + "\n\n")
	for i := 0; i < len(huge); i += 64 << 10 {
		_ = p.Write(huge[i:min(i+64<<10, len(huge))])
		if cap(p.line) > 1<<10 || cap(p.data) > 1<<10 {
			t.Fatalf("holding %d + %d bytes of a skipped event", cap(p.line), cap(p.data))
		}
	}
	_ = p.Write([]byte("data: after\n\n"))
	if calls != 1 || p.Skipped() != 1 {
		t.Fatalf("calls %d, skipped %d", calls, p.Skipped())
	}
}

// A line much longer than bufio.Scanner's 64 KiB default must parse.
func TestParserLongLine(t *testing.T) {
	long := bytes.Repeat([]byte("y"), 1<<20)
	in := append(append([]byte("data: "), long...), "\n\n"...)
	var pieces [][]byte
	for rest := in; len(rest) > 0; {
		n := min(1000, len(rest))
		pieces, rest = append(pieces, rest[:n]), rest[n:]
	}
	got, skipped := collect(2<<20, pieces...)
	if skipped != 0 || len(got) != 1 || got[0].Data != string(long) {
		t.Fatalf("got %d events, %d skipped", len(got), skipped)
	}
}
