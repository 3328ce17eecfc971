package pricing

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Override is a negotiated price from pricing.overrides in tollgate.yaml, in USD per
// million tokens. An unset field keeps the price of the layers below (built-in, then the
// price file). Its fields match config.PriceOverride, so that one converts to the other.
type Override struct {
	Input        *float64 `yaml:"input"`
	Output       *float64 `yaml:"output"`
	CacheRead    *float64 `yaml:"cache_read"`
	CacheWrite   *float64 `yaml:"cache_write"`
	CacheWrite1h *float64 `yaml:"cache_write_1h"`
}

// Overrides are pricing.overrides: table key → override.
type Overrides map[string]Override

// Validate reports every override that is not a price: negative, NaN or infinite
// values, or no field at all.
func (o Overrides) Validate() error {
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(o)) {
		ov := o[key]
		s := ov.spec()
		if s.set() == 0 {
			errs = append(errs, fmt.Errorf("pricing.overrides[%q]: no price given", key))
			continue
		}
		if err := s.validate(); err != nil {
			errs = append(errs, fmt.Errorf("pricing.overrides[%q]: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

func (o Override) spec() Spec {
	return Spec{Input: o.Input, Output: o.Output, CacheRead: o.CacheRead, CacheWrite: o.CacheWrite, CacheWrite1h: o.CacheWrite1h}
}

// apply lays o over e field by field; a nil e is a model the layers below do not know.
func (o Override) apply(e *Entry) Entry {
	var out Entry
	if e != nil {
		out = *e
	}
	s := o.spec()
	out.Spec = *overlay(&out.Spec, &s)
	return out
}
