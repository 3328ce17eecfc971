package eventstream

import (
	"errors"
	"reflect"
	"testing"
)

// decodeSplit decodes data split at one offset and returns what the handler saw.
func decodeSplit(data []byte, split int) (recorder, error) {
	var rec recorder
	d := NewDecoder(rec.handler())
	err := d.Write(data[:split])
	if err == nil {
		err = d.Write(data[split:])
	}
	if err == nil {
		err = d.Finish()
	}
	return rec, err
}

// FuzzEventStreamDecoder feeds arbitrary bytes, whole and split at one offset: decoding
// never panics, and the split never changes the events seen or the error class.
func FuzzEventStreamDecoder(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new interesting input by trying to remove
	// each subset of its bytes (quadratic in its length). Inputs grown from the former
	// seeds (a 1.2 KB stream of three events, 0.8 KB of two and an exception, and a 2.4 KB
	// corpus file) kept both workers minimizing for most of a 10 s run. Two short chunks,
	// and message_stop (with its invocation metrics) before an exception, about 550 bytes
	// each, cover the same paths.
	events := loadEvents(f)
	f.Add(stream(f, events[1:3]), uint16(7))
	f.Add(stream(f, events[len(events)-1:], exceptionFrame(f, "throttlingException", "slow")), uint16(100))
	f.Add(rawChunk(f, `{"bytes":"P\/8="}`), uint16(12))
	f.Add(prelude(20, 8), uint16(3))
	f.Add([]byte{0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0xba, 0xf2, 0xf6, 0x8a,
		0x7b, 0x22, 0x66, 0x6f, 0x6f, 0x22, 0x3a, 0x20, 0x22, 0x62, 0x61, 0x72, 0x22, 0x7d,
		0xae, 0x72, 0x58, 0xe4}, uint16(13))
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		whole, errWhole := decodeSplit(data, 0)
		split, errSplit := decodeSplit(data, int(at)%(len(data)+1))
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("split at %d changed the result:\nwhole %+v\nsplit %+v", at, whole, split)
		}
		for _, e := range []error{ErrChecksum, ErrFrameTooLarge, ErrMalformed, ErrTruncated} {
			if errors.Is(errWhole, e) != errors.Is(errSplit, e) {
				t.Fatalf("errors differ: %v vs %v", errWhole, errSplit)
			}
		}
		tr := NewTranslator(Handler{})
		_, _ = tr.Write(data)
		_, _ = tr.Finish()
	})
}
