package bench

import (
	"math/bits"
	"time"
)

// histogram counts durations in log-linear buckets: each power of two is split into
// subBuckets equal parts, so a quantile is known within 1/subBuckets (1.6%) of its value.
// Recording allocates nothing; memory is fixed whatever the number of samples. Not safe
// for concurrent use: each worker has its own, merged at the end.
type histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	subBits    = 6
	subBuckets = 1 << subBits
)

// bucketOf maps v ≥ 0 to its bucket. Values below subBuckets have a bucket each; above,
// the bucket is (exponent, top subBits bits of the mantissa).
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	e := bits.Len64(v) - subBits // ≥ 1
	return e<<subBits | int(v>>(e-1)&(subBuckets-1))
}

// bucketLow is the smallest value in bucket i.
func bucketLow(i int) uint64 {
	e := i >> subBits
	if e == 0 {
		return uint64(i)
	}
	return (subBuckets | uint64(i&(subBuckets-1))) << (e - 1)
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile is the value at quantile q (0 < q ≤ 1): the middle of the bucket that holds the
// ceil(q·n)-th smallest sample, capped at the largest sample seen. Zero without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) || rank == 0 {
		rank++
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketLow(i), bucketLow(i+1)
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}
