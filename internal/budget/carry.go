package budget

import (
	"math"
	"sync"
)

// carry holds, per budget and scope, the fraction of a USD unit this replica has not
// charged yet (see the package comment: charges round down and carry the rest).
type carry struct {
	mu   sync.Mutex
	frac map[carryKey]float64
}

type carryKey struct{ budget, scope string }

// maxCarried bounds the map: past it, the fractions are forgotten (each less than a
// unit, $0.0001) rather than kept for scopes that may never come back.
const maxCarried = 100_000

// epsilon absorbs float error in cost×10⁴ (0.0003×10⁴ is 2.9999999999999996), far
// below a unit and far above float64's error at the size of any real cost.
const epsilon = 1e-9

func (c *carry) init() { c.frac = make(map[carryKey]float64) }

// take returns the whole units of usd plus the carried fraction, and carries the rest.
func (c *carry) take(budget, scope string, usd float64) uint64 {
	if !(usd > 0) || math.IsInf(usd, 0) { // also NaN
		return 0
	}
	k := carryKey{budget, scope}
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.frac[k] + usd*unitsPerUSD
	n := math.Floor(x + epsilon)
	if n > math.MaxUint32 {
		n = math.MaxUint32
	}
	rest := max(x-n, 0)
	if len(c.frac) >= maxCarried {
		clear(c.frac)
	}
	if rest == 0 {
		delete(c.frac, k)
	} else {
		c.frac[k] = rest
	}
	return uint64(n)
}
