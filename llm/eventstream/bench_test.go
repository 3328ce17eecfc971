package eventstream

import "testing"

// chunks splits a stream into the pieces Envoy might deliver.
func chunks(b []byte, size int) [][]byte {
	var out [][]byte
	for len(b) > size {
		out = append(out, b[:size])
		b = b[size:]
	}
	return append(out, b)
}

func benchStream(b *testing.B) ([][]byte, int) {
	events := loadEvents(b)
	var full []byte
	for range 20 {
		full = append(full, stream(b, events)...)
	}
	return chunks(full, 333), len(full)
}

// BenchmarkDecoderChunk is the metering-only cost of one body chunk.
func BenchmarkDecoderChunk(b *testing.B) {
	cs, total := benchStream(b)
	d := NewDecoder(Handler{Event: func([]byte) {}})
	b.SetBytes(int64(total / len(cs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(cs) == 0 {
			d = NewDecoder(Handler{Event: func([]byte) {}})
		}
		if err := d.Write(cs[i%len(cs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslatorChunk is the cost of translating one body chunk to SSE.
func BenchmarkTranslatorChunk(b *testing.B) {
	cs, total := benchStream(b)
	tr := NewTranslator(Handler{})
	b.SetBytes(int64(total / len(cs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(cs) == 0 {
			tr = NewTranslator(Handler{})
		}
		if _, err := tr.Write(cs[i%len(cs)]); err != nil {
			b.Fatal(err)
		}
	}
}
