package eventstream

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"
)

func TestDecoderEverySplitOffset(t *testing.T) {
	events := loadEvents(t)
	full := stream(t, events, exceptionFrame(t, "throttlingException", "Too many tokens, please wait."))
	want := make([]string, len(events))
	for i, ev := range events {
		want[i] = string(ev)
	}
	wantMetrics := InvocationMetrics{InputTokens: 12, OutputTokens: 57, CacheReadTokens: 8192,
		CacheWriteTokens: 2048, LatencyMillis: 1798, FirstByteMillis: 1507}

	for split := 0; split <= len(full); split++ {
		var rec recorder
		d := NewDecoder(rec.handler())
		if err := d.Write(full[:split]); err != nil {
			t.Fatalf("split %d: first write: %v", split, err)
		}
		if err := d.Write(full[split:]); err != nil {
			t.Fatalf("split %d: second write: %v", split, err)
		}
		if err := d.Finish(); err != nil {
			t.Fatalf("split %d: finish: %v", split, err)
		}
		if !reflect.DeepEqual(rec.events, want) {
			t.Fatalf("split %d: events differ:\n got %q\nwant %q", split, rec.events, want)
		}
		if len(rec.exceptions) != 1 || rec.exceptions[0].Type != "throttlingException" ||
			rec.exceptions[0].Message != "Too many tokens, please wait." {
			t.Fatalf("split %d: exceptions = %+v", split, rec.exceptions)
		}
		if m, ok := d.Metrics(); !ok || m != wantMetrics {
			t.Fatalf("split %d: metrics = %+v, %v; want %+v", split, m, ok, wantMetrics)
		}
	}
}

func TestDecoderByteAtATime(t *testing.T) {
	events := loadEvents(t)
	full := stream(t, events)
	var rec recorder
	d := NewDecoder(rec.handler())
	for i := range full {
		if err := d.Write(full[i : i+1]); err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
	}
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != len(events) || rec.events[len(events)-1] != string(events[len(events)-1]) {
		t.Fatalf("got %d events, last %q", len(rec.events), rec.events[len(rec.events)-1])
	}
}

// The reference test vector: payload {"foo": "bar"} without headers. It decodes (CRCs
// valid) and, having no :message-type, reaches neither callback.
func TestDecoderReferenceVector(t *testing.T) {
	vec := []byte{0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0xba, 0xf2, 0xf6, 0x8a,
		0x7b, 0x22, 0x66, 0x6f, 0x6f, 0x22, 0x3a, 0x20, 0x22, 0x62, 0x61, 0x72, 0x22, 0x7d,
		0xae, 0x72, 0x58, 0xe4}
	var rec recorder
	d := NewDecoder(rec.handler())
	if err := d.Write(vec); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(rec.events)+len(rec.exceptions) != 0 {
		t.Fatalf("unexpected callbacks: %+v", rec)
	}
	vec[20] ^= 1 // payload byte: the message CRC no longer matches
	if err := NewDecoder(rec.handler()).Write(vec); !errors.Is(err, ErrChecksum) {
		t.Fatalf("corrupt vector: err = %v, want ErrChecksum", err)
	}
}

func TestDecoderBadCRCStopsDecoding(t *testing.T) {
	events := loadEvents(t)
	frames := make([][]byte, len(events))
	for i, ev := range events {
		frames[i] = chunkFrame(t, ev)
	}
	tests := []struct {
		name string
		// corrupt flips a byte of frame 2.
		offset func(f []byte) int
	}{
		{"payload byte", func(f []byte) int { return len(f) - 10 }},
		{"message crc", func(f []byte) int { return len(f) - 1 }},
		{"header byte", func(f []byte) int { return 14 }},
		{"prelude crc", func(f []byte) int { return 9 }},
		{"total length", func(f []byte) int { return 3 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var full []byte
			for i, f := range frames {
				if i == 2 {
					f = append([]byte(nil), f...)
					f[tc.offset(f)] ^= 0x40
				}
				full = append(full, f...)
			}
			var rec recorder
			d := NewDecoder(rec.handler())
			err := d.Write(full)
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("err = %v, want ErrChecksum", err)
			}
			if len(rec.events) != 2 {
				t.Fatalf("events before the bad frame = %d, want 2", len(rec.events))
			}
			if err2 := d.Write(frames[3]); !errors.Is(err2, ErrChecksum) || len(rec.events) != 2 {
				t.Fatalf("after the error: err = %v, events = %d", err2, len(rec.events))
			}
		})
	}
}

// prelude builds a frame prelude with a valid CRC.
func prelude(total, headers uint32) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint32(b[0:], total)
	binary.BigEndian.PutUint32(b[4:], headers)
	binary.BigEndian.PutUint32(b[8:], crc32.ChecksumIEEE(b[:8]))
	return b
}

func TestDecoderRejectsBadLengths(t *testing.T) {
	tests := []struct {
		name           string
		total, headers uint32
		want           error
	}{
		{"payload over 24 MiB", 16 + 24<<20 + 1, 0, ErrFrameTooLarge},
		{"headers over 128 KiB", 16 + 128<<10 + 1 + 10, 128<<10 + 1, ErrFrameTooLarge},
		{"total over the limit", 0xffffffff, 0, ErrFrameTooLarge},
		{"shorter than a frame", 15, 0, ErrMalformed},
		{"headers past the end", 20, 8, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Fed a byte at a time, the prelude is judged as soon as it is complete.
			d := NewDecoder(Handler{})
			var err error
			for i, b := range prelude(tc.total, tc.headers) {
				if err = d.Write([]byte{b}); err != nil && i < 11 {
					t.Fatalf("error before the prelude was complete: %v", err)
				}
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecoderTruncated(t *testing.T) {
	f := chunkFrame(t, loadEvents(t)[0])
	for _, cut := range []int{1, 11, 12, len(f) - 1} {
		d := NewDecoder(Handler{})
		if err := d.Write(f[:cut]); err != nil {
			t.Fatal(err)
		}
		if err := d.Finish(); !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut %d: Finish = %v, want ErrTruncated", cut, err)
		}
	}
}

func TestDecoderChunkPayloads(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
		err     error
	}{
		{"plain", `{"bytes":"eyJ0eXBlIjoicGluZyJ9"}`, `{"type":"ping"}`, nil},
		{"escaped slash", `{"p":"x","bytes":"P\/8="}`, "?\xff", nil},
		{"whitespace", `{ "bytes" : "eyJ0eXBlIjoicGluZyJ9" }`, `{"type":"ping"}`, nil},
		{"no bytes", `{"p":"abc"}`, "", ErrMalformed},
		{"bytes not a string", `{"bytes":12}`, "", ErrMalformed},
		{"bad base64", `{"bytes":"*not base64*"}`, "", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			d := NewDecoder(rec.handler())
			err := d.Write(rawChunk(t, tc.payload))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err == nil && (len(rec.events) != 1 || rec.events[0] != tc.want) {
				t.Fatalf("events = %q, want [%q]", rec.events, tc.want)
			}
		})
	}
}
