// Package catalog is `tollgate models`: it lists every provider's model catalog with the
// credentials tollgate itself uses, and says of each model whether the config's rules
// route it (and by which rule, under which client name) and whether the price table
// prices it. A nightly job compares the catalogs with the rules this way and proposes
// rules for the models nobody routes yet.
//
// One file per provider type lists its catalog, registered by type name. Every catalog
// is outside input: pages, models and bytes are bounded, a repeated page token ends the
// listing, and an answer that is not the JSON expected (an error status, HTML, a
// truncated body) is that provider's error, named, while the other providers report.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/pricing"
)

// Routes say how the rules treat a catalog model.
const (
	RouteExact = "exact" // an exact rule's upstream model is the id
	RouteGlob  = "glob"  // a glob rule serves the id under ClientModel
	RouteNone  = "none"  // no rule sends any client model to this id
)

// Report is the outcome for every provider listed, in config order; its JSON is the
// output of `tollgate models -o json`.
type Report struct {
	Providers []Provider `json:"providers"`
	// cls routes client names as the config does (for YAML's suggestions).
	cls *classifier
}

// Provider is one provider's catalog. Error is "" when the catalog was fetched, and
// then Models holds it, sorted by id; otherwise Models is empty.
type Provider struct {
	Name   string  `json:"name"`
	Type   string  `json:"type"`
	Error  string  `json:"error"`
	Models []Model `json:"models"`
}

// Model is one catalog entry and how tollgate would serve it.
type Model struct {
	// ID is the provider's model id: what a rule's upstream_model must produce.
	ID string `json:"id"`
	// Route is RouteExact, RouteGlob or RouteNone.
	Route string `json:"route"`
	// ClientModel is the name a client asks for to reach ID ("" for RouteNone).
	ClientModel string `json:"client_model"`
	// Rule is the match of the rule that routes it ("" for RouteNone).
	Rule string `json:"rule"`
	// Priced says whether the price table prices ID for this provider type.
	Priced bool `json:"priced"`
}

// Failed reports how many providers' catalogs could not be fetched.
func (r Report) Failed() int {
	n := 0
	for _, p := range r.Providers {
		if p.Error != "" {
			n++
		}
	}
	return n
}

// Limits bound what one provider's catalog may cost.
type Limits struct {
	MaxPages  int   // requests per provider
	MaxModels int   // models per provider
	MaxBytes  int64 // bytes of one response
	// Timeout bounds one provider's whole listing, credentials included.
	Timeout time.Duration
}

// DefaultLimits are generous for every real catalog (hundreds of models, a few pages).
var DefaultLimits = Limits{MaxPages: 50, MaxModels: 10_000, MaxBytes: 8 << 20, Timeout: 60 * time.Second}

// Options say what to list.
type Options struct {
	Config *config.Loaded
	// Prices decides Model.Priced; nil prices nothing.
	Prices *pricing.Table
	// Provider lists only the provider of that name ("" lists every one); Run reports
	// an unknown name as an error.
	Provider string
	// Client makes the catalog requests (nil: a plain client); each listing is bounded by
	// Limits.Timeout, and no redirect is followed.
	Client *http.Client
	Limits Limits // zero fields take DefaultLimits
	Logger *slog.Logger
}

// A lister fetches the catalog of one provider type into f.
type lister func(ctx context.Context, f *fetcher, p config.Provider) error

var listers = map[string]lister{}

// register makes a provider type's catalog listable. Called from init.
func register(typ string, l lister) {
	if _, dup := listers[typ]; dup {
		panic("catalog: type registered twice: " + typ)
	}
	listers[typ] = l
}

// Run lists every provider's catalog (concurrently) and classifies each model. A
// provider whose catalog fails has its error set; the others still report.
func Run(ctx context.Context, o Options) (Report, error) {
	l := o.Config
	var ps []int
	for i, p := range l.Providers {
		if o.Provider == "" || p.Name == o.Provider {
			ps = append(ps, i)
		}
	}
	if len(ps) == 0 {
		names := make([]string, len(l.Providers))
		for i, p := range l.Providers {
			names[i] = p.Name
		}
		return Report{}, fmt.Errorf("-provider %q names no provider of %s (its providers: %s)", o.Provider, l.Path, strings.Join(names, ", "))
	}
	cls, err := newClassifier(l)
	if err != nil {
		return Report{}, err
	}
	o.Limits = o.Limits.orDefault()
	// Catalog APIs answer where they are asked. A redirect would carry the provider's key
	// in x-api-key, api-key or x-goog-api-key (headers Go forwards to any host), so none
	// is followed.
	c := http.Client{}
	if o.Client != nil {
		c = *o.Client
	}
	c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		return fmt.Errorf("redirected to %s: not followed (it would carry the credential)", redact(r.URL))
	}
	o.Client = &c
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	out := Report{Providers: make([]Provider, len(ps)), cls: cls}
	var wg sync.WaitGroup
	for k, i := range ps {
		wg.Go(func() { out.Providers[k] = o.list(ctx, l, i, cls) })
	}
	wg.Wait()
	return out, nil
}

// list fetches and classifies the catalog of providers[i].
func (o Options) list(ctx context.Context, l *config.Loaded, i int, cls *classifier) Provider {
	p := l.Providers[i]
	res := Provider{Name: p.Name, Type: p.Type, Models: []Model{}}
	ids, err := o.fetch(ctx, l, i)
	if err != nil {
		res.Error = err.Error()
		o.Logger.Warn("model catalog not fetched", "provider", p.Name, "err", res.Error)
		return res
	}
	sort.Strings(ids)
	for _, id := range ids {
		m := cls.classify(p.Name, id)
		if o.Prices != nil {
			_, _, m.Priced = o.Prices.Resolve(pricing.Query{ProviderType: p.Type, UpstreamModel: id})
		}
		res.Models = append(res.Models, m)
	}
	return res
}

func (o Options) fetch(ctx context.Context, l *config.Loaded, i int) ([]string, error) {
	p := l.Providers[i]
	if missing := unsetFields(l, i); missing != "" {
		return nil, fmt.Errorf("credentials missing: %s", missing)
	}
	ls, ok := listers[p.Type]
	if !ok {
		return nil, fmt.Errorf("tollgate cannot list the catalog of type %s", p.Type)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Limits.Timeout)
	defer cancel()
	f := newFetcher(o.Client, o.Limits)
	if err := ls(ctx, f, p); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (listing took longer than %s)", err, o.Limits.Timeout)
		}
		return nil, err
	}
	return f.ids, nil
}

// unsetFields names the fields of providers[i] whose ${VAR} was not set.
func unsetFields(l *config.Loaded, i int) string {
	prefix := fmt.Sprintf("providers[%d].", i)
	var out []string
	for field, v := range l.Unset {
		if rest, ok := strings.CutPrefix(field, prefix); ok {
			out = append(out, fmt.Sprintf("%s: environment variable %s is not set", rest, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	if l.MaxPages > 0 {
		d.MaxPages = l.MaxPages
	}
	if l.MaxModels > 0 {
		d.MaxModels = l.MaxModels
	}
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.Timeout > 0 {
		d.Timeout = l.Timeout
	}
	return d
}
