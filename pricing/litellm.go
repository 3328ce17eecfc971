package pricing

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// litellm field names of the base prices, per token, and the Spec field each fills.
var litellmFields = map[string]Fields{
	"input_cost_per_token":                      FieldInput,
	"output_cost_per_token":                     FieldOutput,
	"cache_read_input_token_cost":               FieldCacheRead,
	"cache_creation_input_token_cost":           FieldCacheWrite,
	"cache_creation_input_token_cost_above_1hr": FieldCacheWrite1h,
	"output_cost_per_reasoning_token":           FieldReasoning,
}

// MaxPriceEntries bounds the chat prices one file may hold (LiteLLM's file holds a few
// thousand): a larger file is refused rather than held in memory.
const MaxPriceEntries = 100_000

// ParseLiteLLM reads a price file in LiteLLM's format (model_prices_and_context_window.json)
// and returns its chat prices by key, converted to USD per million tokens.
//
// An entry is a chat price when its mode is "chat" or "responses", or it has no mode,
// and it gives input_cost_per_token or output_cost_per_token. Other entries
// (embeddings, images, audio, "sample_spec", the top-level "last_updated" string) and
// unknown fields are ignored. Tiers come from "<base field>_above_<N>k_tokens" fields
// (threshold N×1000). skipped counts chat entries dropped because a price field was not
// a non-negative number; a file that is not a JSON object is an error.
//
// Memory is bounded by the file itself: the file is walked in place (gjson) and only the
// chat prices kept, at most MaxPriceEntries of them — never a map of every raw value.
func ParseLiteLLM(data []byte) (entries map[string]Entry, skipped int, err error) {
	if err := jsonlimit.CheckDepth(data, jsonlimit.MaxDepth); err != nil {
		return nil, 0, fmt.Errorf("price file: %w", err)
	}
	if !jsonlimit.Valid(data) {
		return nil, 0, errors.New("price file: not valid JSON")
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		return nil, 0, errors.New("price file: not a JSON object")
	}
	entries = map[string]Entry{}
	root.ForEach(func(key, val gjson.Result) bool {
		if key.Str == "sample_spec" {
			return true
		}
		e, ok, perr := parseLiteLLMEntry(val)
		switch {
		case perr != nil:
			skipped++
		case ok:
			entries[key.Str] = e
			if len(entries) > MaxPriceEntries {
				err = fmt.Errorf("price file: more than %d chat prices; refusing it", MaxPriceEntries)
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, 0, err
	}
	return entries, skipped, nil
}

// parseLiteLLMEntry parses one value; ok is false when it is not a chat price.
func parseLiteLLMEntry(val gjson.Result) (e Entry, ok bool, err error) {
	if !val.IsObject() {
		return Entry{}, false, nil
	}
	var hasIn, hasOut bool
	val.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "mode":
			if v.Type != gjson.String || (v.Str != "chat" && v.Str != "responses") {
				ok = false
				hasIn, hasOut = false, false
				return false
			}
		case "input_cost_per_token":
			hasIn = true
		case "output_cost_per_token":
			hasOut = true
		case "litellm_provider":
			e.Provider = providerType(v.Str)
		}
		return true
	})
	if !hasIn && !hasOut {
		return Entry{}, false, nil
	}
	base := specBuilder{spec: &e.Spec}
	var priority, flex *specBuilder
	val.ForEach(func(k, v gjson.Result) bool {
		name := k.Str
		switch name {
		case "search_context_cost_per_query":
			// USD per query by search context size; tollgate bills the medium size
			// (Anthropic prices every size alike).
			q := v.Get("search_context_size_medium")
			if q.Type != gjson.Number {
				q = v.Get("search_context_size_low")
			}
			if q.Type == gjson.Number {
				f, perr := perUnit(q.Raw)
				if perr != nil {
					err = fmt.Errorf("%s: %w", name, perr)
					return false
				}
				e.WebSearch = &f
			}
			return true
		case "provider_specific_entry":
			if f := v.Get("fast"); f.Type == gjson.Number && f.Num > 0 {
				m := f.Num
				e.FastMultiplier = &m
			}
			return true
		}
		b := &base
		if rest, ok := strings.CutSuffix(name, "_priority"); ok {
			priority, name = ensureVariant(priority, &e.Priority), rest
			b = priority
		} else if rest, ok := strings.CutSuffix(name, "_flex"); ok {
			flex, name = ensureVariant(flex, &e.Flex), rest
			b = flex
		}
		spec, bit := b.spec, litellmFields[name]
		if bit == 0 {
			base, above, isTier := cutTier(name)
			if bit = litellmFields[base]; !isTier || bit == 0 {
				return true
			}
			spec = b.tier(above)
		}
		p, perr := perMillion(v.Raw)
		if perr != nil {
			err = fmt.Errorf("%s: %w", k.Str, perr)
			return false
		}
		*spec.ptr(bit) = &p
		return true
	})
	if err != nil {
		return Entry{}, false, err
	}
	e.Tiers = base.sortedTiers()
	if priority != nil {
		e.Priority.Tiers = priority.sortedTiers()
	}
	if flex != nil {
		e.Flex.Tiers = flex.sortedTiers()
	}
	return e, true, nil
}

// specBuilder collects one price (the base or a service tier) and its tiers by threshold.
type specBuilder struct {
	spec  *Spec
	tiers map[int64]*TierSpec
}

func (b *specBuilder) tier(above int64) *Spec {
	if b.tiers == nil {
		b.tiers = map[int64]*TierSpec{}
	}
	t := b.tiers[above]
	if t == nil {
		t = &TierSpec{AboveInputTokens: above}
		b.tiers[above] = t
	}
	return &t.Spec
}

func (b *specBuilder) sortedTiers() []TierSpec {
	var out []TierSpec
	for _, t := range b.tiers {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b TierSpec) int { return cmp.Compare(a.AboveInputTokens, b.AboveInputTokens) })
	return out
}

// ensureVariant returns b, creating it (and the entry's Variant it fills) on first use.
func ensureVariant(b *specBuilder, v **Variant) *specBuilder {
	if b != nil {
		return b
	}
	*v = &Variant{}
	return &specBuilder{spec: &(*v).Spec}
}

// perUnit parses a non-negative JSON number of USD per request (not per token).
func perUnit(raw string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errNotPrice
	}
	return v, nil
}

// cutTier splits "input_cost_per_token_above_200k_tokens" into its base field and the
// threshold 200000.
func cutTier(name string) (base string, above int64, ok bool) {
	rest, found := strings.CutSuffix(name, "k_tokens")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndex(rest, "_above_")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(rest[i+len("_above_"):], 10, 64)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return rest[:i], n * 1000, true
}

var errNotPrice = errors.New("not a non-negative number")

// perMillion converts a JSON number of USD per token to USD per million tokens by
// shifting its decimal exponent, so that 3e-06 becomes exactly 3 (no 3.0000000000000004
// from a float multiplication).
func perMillion[T ~string | ~[]byte](val T) (float64, error) {
	lit := strings.TrimSpace(string(val))
	if lit == "" || lit[0] == '"' || lit[0] == '-' || lit == "null" {
		return 0, errNotPrice
	}
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		e, err := strconv.Atoi(lit[i+1:])
		if err != nil {
			return 0, errNotPrice
		}
		mant, exp = lit[:i], e
	}
	v, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(exp+6), 64)
	if err != nil || v < 0 {
		return 0, errNotPrice
	}
	return v, nil
}
