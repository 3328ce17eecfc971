package sse

import (
	"bytes"
	"reflect"
	"testing"
)

// reference parses a whole stream the simple, non-incremental way: split into lines
// (CRLF, CR or LF; an unterminated last line is dropped), then apply the WHATWG field
// rules, with the same size limit as Parser (which also holds the unterminated line): an
// event over it is dropped up to the blank line that ends it, and counted.
func reference(in []byte, max int) (out []event, skipped int) {
	bom := []byte("\xEF\xBB\xBF")
	if len(in) < len(bom) && bytes.HasPrefix(bom, in) {
		// The parser holds a possible BOM apart until it is complete: those bytes are not
		// part of a line yet, so they do not count toward the event size (found by the
		// fuzzer: testdata/fuzz/FuzzSSEParser/fb208abd9deed852).
		return nil, 0
	}
	in = bytes.TrimPrefix(in, bom)
	var lines [][]byte
	start := 0
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case '\n':
			lines, start = append(lines, in[start:i]), i+1
		case '\r':
			lines = append(lines, in[start:i])
			if i+1 < len(in) && in[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	tail := in[start:]
	var (
		data     []byte
		hasData  bool
		name     string
		skipping bool
	)
	for _, line := range lines {
		if skipping {
			skipping = len(line) != 0
			continue
		}
		if len(data)+len(line) > max {
			skipped++
			skipping, data, hasData, name = true, nil, false, ""
			continue
		}
		switch {
		case len(line) == 0:
			if hasData {
				out = append(out, event{name, string(bytes.TrimSuffix(data, []byte("\n")))})
			}
			data, hasData, name = nil, false, ""
		case line[0] == ':':
		default:
			field, value, found := bytes.Cut(line, []byte(":"))
			if found {
				value = bytes.TrimPrefix(value, []byte(" "))
			}
			switch string(field) {
			case "data":
				data, hasData = append(append(data, value...), '\n'), true
			case "event":
				name = string(value)
			}
		}
	}
	if !skipping && len(data)+len(tail) > max {
		skipped++
	}
	return out, skipped
}

func FuzzSSEParser(f *testing.F) {
	seeds := []string{
		"data: a\n\n",
		"event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
		"data: a\r\ndata: b\r\n\r\n: c\r\n",
		"data: a\rdata: b\r\r",
		"\xEF\xBB\xBFdata: bom\n\n",
		"\xEF\xBBdata: half bom\n\n",
		"id: 1\nretry: 5\ndata\n\nevent: e\n\n",
		"data: [DONE]\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(3), uint8(40))
	}
	f.Fuzz(func(t *testing.T, in []byte, at uint16, max uint8) {
		limit := int(max) + 1
		want, wantSkipped := reference(in, limit)
		cut := int(at) % (len(in) + 1)
		feeds := map[string][][]byte{"whole": {in}, "split": {in[:cut], in[cut:]}}
		if len(in) <= 2048 {
			var bytewise [][]byte
			for i := range in {
				bytewise = append(bytewise, in[i:i+1])
			}
			feeds["bytewise"] = bytewise
		}
		for how, pieces := range feeds {
			got, skipped := collect(limit, pieces...)
			if skipped != wantSkipped {
				t.Fatalf("%s: skipped %d events, reference %d", how, skipped, wantSkipped)
			}
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("%s: events %q, reference %q", how, got, want)
			}
		}
	})
}
