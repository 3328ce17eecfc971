package pricing

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// Source says which layer a price came from.
type Source string

// The layers, lowest first.
const (
	SourceBuiltin  Source = "builtin"
	SourceFile     Source = "file"
	SourceOverride Source = "override"
)

// Step says which lookup step found a price (see the package doc).
type Step string

// The lookup steps, in order.
const (
	StepPricingModel  Step = "pricing_model"
	StepUpstreamModel Step = "upstream_model"
	StepNormalized    Step = "normalized"
	StepClientModel   Step = "client_model"
)

// Query is what Resolve knows about a request. ProviderType is the provider's type in
// tollgate.yaml (anthropic, openai, azure_openai, gemini, bedrock, vertex).
type Query struct {
	PricingModel  string
	ProviderType  string
	UpstreamModel string
	ClientModel   string
}

// Match says how Resolve found a price: the table key, the layer it came from and the
// lookup step.
type Match struct {
	Key    string
	Source Source
	Step   Step
}

// entry is one compiled table row.
type entry struct {
	key      string
	provider string
	source   Source
	price    Price
}

// Table is an immutable price table with its lookup indexes, built once per load.
// It is safe for concurrent use.
type Table struct {
	exact map[string]*entry
	// prefixed indexes keys such as "azure/gpt-5.1" by prefix, then by the rest, so that
	// a lookup needs no string concatenation.
	prefixed map[string]map[string]*entry
	// normal indexes keys by normal form; each list is ordered by preference.
	normal map[string][]*entry
}

// NewTable builds the table builtin < file < overrides: a file entry replaces the
// built-in entry of the same key, an override replaces single fields. file and ov may be
// nil. An entry that is not a price (see Entry) is an error naming its key.
func NewTable(file map[string]Entry, ov Overrides) (*Table, error) {
	return build(BuiltinEntries(), file, ov)
}

func build(builtin, file map[string]Entry, ov Overrides) (*Table, error) {
	type layered struct {
		e      Entry
		source Source
	}
	all := make(map[string]layered, len(builtin)+len(file)+len(ov))
	for k, e := range builtin {
		all[k] = layered{e, SourceBuiltin}
	}
	for k, e := range file {
		all[k] = layered{e, SourceFile}
	}
	for k, o := range ov {
		var below *Entry
		if l, ok := all[k]; ok {
			below = &l.e
		}
		if below == nil && (o.Input == nil || o.Output == nil) {
			return nil, fmt.Errorf("pricing.overrides[%q]: no built-in or file price for this model, so input and output are both required", k)
		}
		all[k] = layered{o.apply(below), SourceOverride}
	}
	t := &Table{
		exact:    make(map[string]*entry, len(all)),
		prefixed: make(map[string]map[string]*entry),
		normal:   make(map[string][]*entry, len(all)),
	}
	for _, k := range slices.Sorted(maps.Keys(all)) {
		l := all[k]
		p, err := l.e.price()
		if err != nil {
			return nil, fmt.Errorf("price of %q (%s): %w", k, l.source, err)
		}
		t.add(&entry{key: k, provider: l.e.Provider, source: l.source, price: p})
	}
	for _, list := range t.normal {
		slices.SortStableFunc(list, func(a, b *entry) int {
			return cmp.Or(cmp.Compare(len(a.key), len(b.key)), cmp.Compare(a.key, b.key))
		})
	}
	return t, nil
}

func (t *Table) add(e *entry) {
	t.exact[e.key] = e
	for _, p := range providerPrefixes {
		if rest, ok := cutPrefix(e.key, p); ok {
			m := t.prefixed[p]
			if m == nil {
				m = make(map[string]*entry)
				t.prefixed[p] = m
			}
			m[rest] = e
		}
	}
	n := string(normalize(nil, e.key))
	t.normal[n] = append(t.normal[n], e)
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// Len is the number of models in the table.
func (t *Table) Len() int { return len(t.exact) }

// Keys returns the table's keys, sorted.
func (t *Table) Keys() []string { return slices.Sorted(maps.Keys(t.exact)) }

// Lookup returns the price of exactly key.
func (t *Table) Lookup(key string) (Price, Match, bool) {
	if e, ok := t.exact[key]; ok {
		return e.price, Match{Key: e.key, Source: e.source}, true
	}
	return Price{}, Match{}, false
}

// Resolve finds the price of a request in the order of the package doc. ok is false
// when no step finds one: the request is unpriced.
func (t *Table) Resolve(q Query) (Price, Match, bool) {
	e, step := t.resolve(q)
	if e == nil {
		return Price{}, Match{}, false
	}
	return e.price, Match{Key: e.key, Source: e.source, Step: step}, true
}

func (t *Table) resolve(q Query) (*entry, Step) {
	byPrefix := t.prefixed[providerPrefixes[q.ProviderType]]
	if q.PricingModel != "" {
		if e := byPrefix[q.PricingModel]; e != nil {
			return e, StepPricingModel
		}
		if e := t.exact[q.PricingModel]; e != nil {
			return e, StepPricingModel
		}
	}
	if q.UpstreamModel != "" {
		if e := byPrefix[q.UpstreamModel]; e != nil {
			return e, StepUpstreamModel
		}
		if e := t.exact[q.UpstreamModel]; e != nil {
			return e, StepUpstreamModel
		}
	}
	if e := t.normalized(q.PricingModel, q.ProviderType); e != nil {
		return e, StepNormalized
	}
	if e := t.normalized(q.UpstreamModel, q.ProviderType); e != nil {
		return e, StepNormalized
	}
	if q.ClientModel != "" {
		if e := byPrefix[q.ClientModel]; e != nil {
			return e, StepClientModel
		}
		if e := t.exact[q.ClientModel]; e != nil {
			return e, StepClientModel
		}
		if e := t.normalized(q.ClientModel, q.ProviderType); e != nil {
			return e, StepClientModel
		}
	}
	return nil, ""
}

// normalized looks name up by its normal form, then by that form without a trailing
// date, preferring a key of the query's provider type.
func (t *Table) normalized(name, providerType string) *entry {
	if name == "" {
		return nil
	}
	var buf [maxNormal]byte
	n := normalize(buf[:0], name)
	if e := pick(t.normal[string(n)], providerType); e != nil {
		return e
	}
	if d := stripDate(n); len(d) < len(n) {
		return pick(t.normal[string(d)], providerType)
	}
	return nil
}

func pick(list []*entry, providerType string) *entry {
	for _, e := range list {
		if e.provider == providerType {
			return e
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}
