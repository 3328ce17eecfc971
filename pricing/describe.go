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
	writeTiers(tw, "  ", p.Tiers)
	for _, v := range []struct {
		name string
		p    *Price
	}{{"priority", p.Priority}, {"flex", p.Flex}} {
		if v.p == nil {
			fmt.Fprintf(tw, "  service_tier %s\tno price\t(such requests are unpriced)\n", v.name)
			continue
		}
		fmt.Fprintf(tw, "  service_tier %s\t\t(when the response reports it)\n", v.name)
		writeRates(tw, &v.p.Rates, v.p.Inferred)
		writeTiers(tw, "    ", v.p.Tiers)
	}
	if p.FastMultiplier > 0 {
		fmt.Fprintf(tw, "  fast mode\t×%s\t(every token price)\n", strconv.FormatFloat(p.FastMultiplier, 'f', -1, 64))
	} else {
		fmt.Fprintf(tw, "  fast mode\tno price\t(fast requests are unpriced)\n")
	}
	writePerRequest(tw, "web search", p.HasWebSearch, p.WebSearch, "web search requests are unpriced")
	writePerRequest(tw, "web fetch", p.HasWebFetch, p.WebFetch, "tokens only")
	return tw.Flush()
}

func writeTiers(w io.Writer, indent string, tiers []Tier) {
	for _, tier := range tiers {
		fmt.Fprintf(w, "%sabove %d input tokens\t\t(input + cache read + cache write, the whole request)\n", indent, tier.AboveInputTokens)
		writeRates(w, &tier.Rates, 0)
	}
}

func writePerRequest(w io.Writer, name string, has bool, usd float64, without string) {
	if !has {
		fmt.Fprintf(w, "  %s\tno price\t(%s)\n", name, without)
		return
	}
	fmt.Fprintf(w, "  %s\t%s\t(USD per request)\n", name, strconv.FormatFloat(usd, 'f', -1, 64))
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
