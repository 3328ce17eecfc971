package pricing

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// ErrUnpriced is returned by Describe when no lookup step finds a price.
var ErrUnpriced = errors.New("no price")

// Describe writes the price Resolve finds for q: the matched key, its layer and lookup
// step, each token type's price in USD per million tokens (marking prices that fell back
// to another type), and the tiers. It is what `tollgate prices MODEL...` prints.
func Describe(w io.Writer, t *Table, q Query) error {
	name := q.ClientModel
	if name == "" {
		name = q.UpstreamModel
	}
	p, m, ok := t.Resolve(q)
	if !ok {
		fmt.Fprintf(w, "%s: no price (the tokens of its requests are counted as unpriced)\n", name)
		return fmt.Errorf("%s: %w", name, ErrUnpriced)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n", name)
	fmt.Fprintf(tw, "  matched\t%s\t(%s, step %s)\n", m.Key, m.Source, m.Step)
	fmt.Fprintf(tw, "  USD per million tokens\t\t\n")
	writeRates(tw, &p.Rates, p.Inferred)
	for _, tier := range p.Tiers {
		fmt.Fprintf(tw, "  above %d input tokens\t\t(input + cache read + cache write)\n", tier.AboveInputTokens)
		writeRates(tw, &tier.Rates, 0)
	}
	return tw.Flush()
}

func writeRates(w io.Writer, r *Rates, inferred Fields) {
	rows := []struct {
		name string
		bit  Fields
		v    float64
		from string
	}{
		{"input", FieldInput, r.Input, "not given: 0"},
		{"output", FieldOutput, r.Output, "not given: 0"},
		{"cache_read", FieldCacheRead, r.CacheRead, "= input"},
		{"cache_write", FieldCacheWrite, r.CacheWrite, "= input"},
		{"cache_write_1h", FieldCacheWrite1h, r.CacheWrite1h, "= cache_write"},
		{"reasoning", FieldReasoning, r.Reasoning, "= output"},
	}
	for _, row := range rows {
		note := ""
		if inferred.Has(row.bit) {
			note = "(" + row.from + ")"
		}
		fmt.Fprintf(w, "    %s\t%s\t%s\n", row.name, strconv.FormatFloat(row.v, 'f', -1, 64), note)
	}
}
