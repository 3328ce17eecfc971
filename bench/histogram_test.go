package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	values := []uint64{0, 1, 63, 64, 65, 127, 128, 129, 1000, 1 << 40, 1<<63 - 1}
	for range 10000 {
		values = append(values, r.Uint64N(1<<uint(r.IntN(63)+1)))
	}
	for _, v := range values {
		i := bucketOf(v)
		lo, hi := bucketLow(i), bucketLow(i+1)
		if v < lo || (v >= hi && i+1 < len(histogram{}.counts)) {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, i, lo, hi)
		}
		if v >= subBuckets && float64(hi-lo)/float64(lo) > 1.0/subBuckets {
			t.Fatalf("bucket %d [%d, %d) wider than 1/%d of its value", i, lo, hi, subBuckets)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name     string
		samples  []time.Duration
		p50, p99 time.Duration
	}{
		{"empty", nil, 0, 0},
		{"one", []time.Duration{42 * time.Microsecond}, 42 * time.Microsecond, 42 * time.Microsecond},
		{"1..1000µs", steps(1000, time.Microsecond), 500 * time.Microsecond, 990 * time.Microsecond},
		{"tail", append(repeat(99, time.Millisecond), time.Second), time.Millisecond, time.Millisecond},
		{"two tails", append(repeat(98, time.Millisecond), time.Second, time.Second), time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Split the samples over two histograms and merge: as the workers do.
			var a, b histogram
			for i, s := range tt.samples {
				if i%2 == 0 {
					a.record(s)
				} else {
					b.record(s)
				}
			}
			a.merge(&b)
			if a.n != uint64(len(tt.samples)) {
				t.Fatalf("count %d, want %d", a.n, len(tt.samples))
			}
			for _, q := range []struct {
				q    float64
				want time.Duration
			}{{0.5, tt.p50}, {0.99, tt.p99}} {
				got := a.quantile(q.q)
				if diff := float64(got - q.want); diff > float64(q.want)/subBuckets || -diff > float64(q.want)/subBuckets {
					t.Errorf("p%v = %s, want %s within 1/%d", q.q*100, got, q.want, subBuckets)
				}
			}
		})
	}
}

func steps(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * d
	}
	return out
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.record(time.Duration(i&0xffff) * time.Microsecond)
	}
}
