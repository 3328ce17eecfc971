package pricing

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Spec is a set of prices as a source gives them, in USD per million tokens; nil means
// "not given". It is the readable form of builtin.yaml.
type Spec struct {
	Input        *float64 `yaml:"input,omitempty" json:"input,omitempty"`
	Output       *float64 `yaml:"output,omitempty" json:"output,omitempty"`
	CacheRead    *float64 `yaml:"cache_read,omitempty" json:"cache_read,omitempty"`
	CacheWrite   *float64 `yaml:"cache_write,omitempty" json:"cache_write,omitempty"`
	CacheWrite1h *float64 `yaml:"cache_write_1h,omitempty" json:"cache_write_1h,omitempty"`
	Reasoning    *float64 `yaml:"reasoning,omitempty" json:"reasoning,omitempty"`
}

// TierSpec is a tier as a source gives it.
type TierSpec struct {
	AboveInputTokens int64 `yaml:"above_input_tokens" json:"above_input_tokens"`
	Spec             `yaml:",inline" json:",inline"`
}

// Entry is one model's price as a source gives it: the built-in table or a price file.
// Provider is the tollgate provider type the price is for ("" when the source's provider
// is none of tollgate's); it breaks ties between keys with the same normal form.
type Entry struct {
	Provider string `yaml:"provider,omitempty" json:"provider,omitempty"`
	Spec     `yaml:",inline" json:",inline"`
	Tiers    []TierSpec `yaml:"tiers,omitempty" json:"tiers,omitempty"`

	// Priority and Flex are OpenAI's service-tier prices (LiteLLM's *_priority and
	// *_flex fields), used when the response reports that tier; nil: none given.
	Priority *Variant `yaml:"priority,omitempty" json:"priority,omitempty"`
	Flex     *Variant `yaml:"flex,omitempty" json:"flex,omitempty"`
	// FastMultiplier scales every token price of a request served in Anthropic's fast
	// mode (LiteLLM's provider_specific_entry.fast); nil: no fast price.
	FastMultiplier *float64 `yaml:"fast_multiplier,omitempty" json:"fast_multiplier,omitempty"`
	// WebSearch and WebFetch are USD per server-side tool request (LiteLLM's
	// search_context_cost_per_query, medium context); nil: none given.
	WebSearch *float64 `yaml:"web_search,omitempty" json:"web_search,omitempty"`
	WebFetch  *float64 `yaml:"web_fetch,omitempty" json:"web_fetch,omitempty"`
}

// Variant is a whole alternative price of a model (a service tier): its own base prices
// and tiers, with the same fallbacks as the base price.
type Variant struct {
	Spec  `yaml:",inline" json:",inline"`
	Tiers []TierSpec `yaml:"tiers,omitempty" json:"tiers,omitempty"`
}

// each calls fn for every field of s with its Fields bit.
func (s *Spec) each(fn func(f Fields, name string, v **float64)) {
	fn(FieldInput, "input", &s.Input)
	fn(FieldOutput, "output", &s.Output)
	fn(FieldCacheRead, "cache_read", &s.CacheRead)
	fn(FieldCacheWrite, "cache_write", &s.CacheWrite)
	fn(FieldCacheWrite1h, "cache_write_1h", &s.CacheWrite1h)
	fn(FieldReasoning, "reasoning", &s.Reasoning)
}

// ptr returns the field of s named by bit.
func (s *Spec) ptr(bit Fields) **float64 {
	switch bit {
	case FieldInput:
		return &s.Input
	case FieldOutput:
		return &s.Output
	case FieldCacheRead:
		return &s.CacheRead
	case FieldCacheWrite:
		return &s.CacheWrite
	case FieldCacheWrite1h:
		return &s.CacheWrite1h
	default:
		return &s.Reasoning
	}
}

// validate reports negative, NaN or infinite prices.
func (s *Spec) validate() error {
	var errs []error
	s.each(func(_ Fields, name string, v **float64) {
		if *v != nil && (math.IsNaN(**v) || math.IsInf(**v, 0) || **v < 0) {
			errs = append(errs, fmt.Errorf("%s: %v is not a price", name, **v))
		}
	})
	return errors.Join(errs...)
}

// price turns an entry into its effective Price, applying the fallbacks of the package
// doc. An entry without input and output is an error: nothing is priced at zero by
// default.
func (e *Entry) price() (Price, error) {
	if err := e.Spec.validate(); err != nil {
		return Price{}, err
	}
	if e.Input == nil && e.Output == nil {
		return Price{}, errors.New("neither input nor output price")
	}
	var p Price
	given := e.Spec.set()
	p.Inferred = ^given & (FieldInput | FieldOutput | FieldCacheRead | FieldCacheWrite | FieldCacheWrite1h | FieldReasoning)
	p.Rates = effective(&e.Spec)
	for i := range e.Tiers {
		t := &e.Tiers[i]
		if err := t.Spec.validate(); err != nil {
			return Price{}, fmt.Errorf("tier above %d: %w", t.AboveInputTokens, err)
		}
		if t.AboveInputTokens <= 0 {
			return Price{}, fmt.Errorf("tier threshold %d is not positive", t.AboveInputTokens)
		}
		p.Tiers = append(p.Tiers, Tier{AboveInputTokens: t.AboveInputTokens, Rates: effective(overlay(&e.Spec, &t.Spec))})
	}
	slices.SortFunc(p.Tiers, func(a, b Tier) int { return cmp.Compare(a.AboveInputTokens, b.AboveInputTokens) })
	for i := 1; i < len(p.Tiers); i++ {
		if p.Tiers[i].AboveInputTokens == p.Tiers[i-1].AboveInputTokens {
			return Price{}, fmt.Errorf("two tiers above %d", p.Tiers[i].AboveInputTokens)
		}
	}
	for _, v := range []struct {
		name string
		from *Variant
		to   **Price
	}{{"priority", e.Priority, &p.Priority}, {"flex", e.Flex, &p.Flex}} {
		if v.from == nil {
			continue
		}
		ve := Entry{Spec: v.from.Spec, Tiers: v.from.Tiers}
		vp, err := ve.price()
		if err != nil {
			return Price{}, fmt.Errorf("%s: %w", v.name, err)
		}
		*v.to = &vp
	}
	for _, f := range []struct {
		name string
		from *float64
		to   *float64
	}{{"fast_multiplier", e.FastMultiplier, &p.FastMultiplier}, {"web_search", e.WebSearch, &p.WebSearch}, {"web_fetch", e.WebFetch, &p.WebFetch}} {
		if f.from == nil {
			continue
		}
		if math.IsNaN(*f.from) || math.IsInf(*f.from, 0) || *f.from < 0 || (f.name == "fast_multiplier" && *f.from == 0) {
			return Price{}, fmt.Errorf("%s: %v is not a price", f.name, *f.from)
		}
		*f.to = *f.from
	}
	p.HasWebSearch, p.HasWebFetch = e.WebSearch != nil, e.WebFetch != nil
	return p, nil
}

// set is the set of fields s gives.
func (s *Spec) set() Fields {
	var f Fields
	s.each(func(bit Fields, _ string, v **float64) {
		if *v != nil {
			f |= bit
		}
	})
	return f
}

// effective applies the base fallbacks: a missing input or output is 0 (LiteLLM's own
// reading), cache read and write fall back to input, the 1-hour write to the 5-minute
// one, reasoning to output.
func effective(s *Spec) Rates {
	r := Rates{Input: or(s.Input, 0), Output: or(s.Output, 0)}
	r.CacheRead = or(s.CacheRead, r.Input)
	r.CacheWrite = or(s.CacheWrite, r.Input)
	r.CacheWrite1h = or(s.CacheWrite1h, r.CacheWrite)
	r.Reasoning = or(s.Reasoning, r.Output)
	return r
}

// overlay returns base with the fields top gives replaced: a tier's prices over the
// base prices the source gives, before fallbacks, so that a tier's missing reasoning
// price follows the tier's output price unless the base gives one.
func overlay(base, top *Spec) *Spec {
	out := *base
	top.each(func(bit Fields, _ string, v **float64) {
		if *v != nil {
			*out.ptr(bit) = *v
		}
	})
	return &out
}

func or(v *float64, def float64) float64 {
	if v != nil {
		return *v
	}
	return def
}
