package bench

import (
	"context"
	"testing"
)

// BenchmarkFloorRequest is one whole request of each scenario, client and floor server
// in this process: the load tool's own cost plus the protocol's, per request.
func BenchmarkFloorRequest(b *testing.B) {
	for _, name := range DefaultScenarios {
		b.Run(name, func(b *testing.B) {
			sc, err := NewScenario(name)
			if err != nil {
				b.Fatal(err)
			}
			s, err := startInProcess("floor", NewFloorServer().Register)
			if err != nil {
				b.Fatal(err)
			}
			defer s.close()
			w := newWorker(0, s.client, newMessages(sc, DefaultKey))
			b.SetBytes(int64(len(sc.Body) + len(joined(sc.Chunks))))
			b.ReportAllocs()
			var seq int64
			for b.Loop() {
				seq++
				if _, err := w.do(context.Background(), seq); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
