package pricing

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// ParseLiteLLM reads a price file in LiteLLM's format (model_prices_and_context_window.json)
// and returns its chat prices by key, converted to USD per million tokens.
//
// An entry is a chat price when its mode is "chat" or "responses", or it has no mode,
// and it gives input_cost_per_token or output_cost_per_token. Other entries
// (embeddings, images, audio, "sample_spec", the top-level "last_updated" string) and
// unknown fields are ignored. Tiers come from "<base field>_above_<N>k_tokens" fields
// (threshold N×1000). skipped counts chat entries dropped because a price field was not
// a non-negative number; a file that is not a JSON object is an error.
func ParseLiteLLM(data []byte) (entries map[string]Entry, skipped int, err error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, 0, fmt.Errorf("price file: %w", err)
	}
	entries = make(map[string]Entry, len(raw))
	for key, msg := range raw {
		if key == "sample_spec" {
			continue
		}
		e, ok, err := parseLiteLLMEntry(msg)
		if err != nil {
			skipped++
			continue
		}
		if ok {
			entries[key] = e
		}
	}
	return entries, skipped, nil
}

// parseLiteLLMEntry parses one value; ok is false when it is not a chat price.
func parseLiteLLMEntry(msg json.RawMessage) (e Entry, ok bool, err error) {
	if len(msg) == 0 || msg[0] != '{' {
		return Entry{}, false, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil {
		return Entry{}, false, nil
	}
	if m, has := fields["mode"]; has {
		var mode string
		if json.Unmarshal(m, &mode) != nil || (mode != "chat" && mode != "responses") {
			return Entry{}, false, nil
		}
	}
	_, hasIn := fields["input_cost_per_token"]
	_, hasOut := fields["output_cost_per_token"]
	if !hasIn && !hasOut {
		return Entry{}, false, nil
	}
	if p, has := fields["litellm_provider"]; has {
		var lp string
		_ = json.Unmarshal(p, &lp)
		e.Provider = providerType(lp)
	}
	tiers := map[int64]*TierSpec{}
	for name, val := range fields {
		spec, bit := &e.Spec, litellmFields[name]
		if bit == 0 {
			base, above, isTier := cutTier(name)
			if bit = litellmFields[base]; !isTier || bit == 0 {
				continue
			}
			t := tiers[above]
			if t == nil {
				t = &TierSpec{AboveInputTokens: above}
				tiers[above] = t
			}
			spec = &t.Spec
		}
		v, err := perMillion(val)
		if err != nil {
			return Entry{}, false, fmt.Errorf("%s: %w", name, err)
		}
		*spec.ptr(bit) = &v
	}
	for _, t := range tiers {
		e.Tiers = append(e.Tiers, *t)
	}
	slices.SortFunc(e.Tiers, func(a, b TierSpec) int { return cmp.Compare(a.AboveInputTokens, b.AboveInputTokens) })
	return e, true, nil
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
func perMillion(val json.RawMessage) (float64, error) {
	lit := string(bytes.TrimSpace(val))
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
