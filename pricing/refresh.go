package pricing

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of RefresherOptions.
const (
	DefaultRefreshInterval = 6 * time.Hour
	DefaultRefreshTimeout  = 30 * time.Second
	DefaultMaxFileBytes    = 64 << 20
)

// RefresherOptions configure a Refresher.
type RefresherOptions struct {
	// Source is pricing.url: an http(s) URL or a file path. Empty: Run does nothing.
	Source string
	// Interval between refreshes (default DefaultRefreshInterval).
	Interval time.Duration
	// Timeout bounds one fetch (default DefaultRefreshTimeout).
	Timeout time.Duration
	// Overrides are laid over every table built.
	Overrides Overrides
	// Store receives each new table.
	Store *Store
	// Client fetches http(s) sources (default: a plain http.Client).
	Client *http.Client
	// MaxBytes bounds the file (default DefaultMaxFileBytes).
	MaxBytes int64
	Logger   *slog.Logger
	// Registerer receives the refresh gauges; nil registers none.
	Registerer prometheus.Registerer
}

// Refresher reloads the price file and swaps new tables into its Store. It keeps the
// last good table on any failure: a fetch error, an HTTP error status, a timeout, a file
// that does not parse or holds no prices, or one with fewer than half the models of the
// last file accepted (until that same smaller file is served again). Unchanged sources (ETag/If-None-Match, Last-Modified/
// If-Modified-Since, or a file's mtime and size) are not parsed again.
// Its methods are safe for concurrent use.
type Refresher struct {
	opts    RefresherOptions
	fetcher fetcher
	m       *metrics

	// refreshing serialises refreshes; it is held through the network fetch. mu guards
	// the fields below and is never held across I/O, so a config reload
	// (SetOverrides) never waits for a slow price source.
	refreshing sync.Mutex
	mu         sync.Mutex
	valid      validators
	file       map[string]Entry // last accepted file entries
	overrides  Overrides
	// refused is the digest of the last file refused for shrinking: the same file
	// served again on the next refresh is accepted (see refresh).
	refused [sha256.Size]byte
}

// NewRefresher returns a Refresher and registers its gauges.
func NewRefresher(opts RefresherOptions) (*Refresher, error) {
	if opts.Store == nil {
		return nil, errors.New("pricing: refresher needs a store")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultRefreshInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRefreshTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxFileBytes
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	m.models.Set(float64(opts.Store.Current().Len()))
	if opts.Source == "" {
		// The built-in table (with the overrides) is all there is, and it has loaded: a
		// success now, not a failure at 1970 that dashboards would show as such.
		m.success.Set(1)
		m.timestamp.Set(float64(time.Now().UnixNano()) / 1e9)
	}
	return &Refresher{
		opts:      opts,
		fetcher:   fetcher{source: opts.Source, client: opts.Client, maxBytes: opts.MaxBytes},
		m:         m,
		overrides: opts.Overrides,
	}, nil
}

// Run refreshes now and then every Interval until ctx ends. Failures are logged.
func (r *Refresher) Run(ctx context.Context) {
	if r.opts.Source == "" {
		return
	}
	tick := time.NewTicker(r.opts.Interval)
	defer tick.Stop()
	for {
		if err := r.RefreshNow(ctx); err != nil {
			r.opts.Logger.Warn("price refresh failed; keeping the current prices", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RefreshNow loads the source once and swaps in the new table if it is good.
func (r *Refresher) RefreshNow(ctx context.Context) error {
	if r.opts.Source == "" {
		return errors.New("pricing: no price file configured")
	}
	r.refreshing.Lock()
	defer r.refreshing.Unlock()
	err := r.refresh(ctx)
	if errors.Is(err, errNotModified) {
		err = nil
	}
	if err != nil {
		r.m.success.Set(0)
		return err
	}
	r.m.success.Set(1)
	r.m.timestamp.Set(float64(time.Now().UnixNano()) / 1e9)
	return nil
}

func (r *Refresher) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	r.mu.Lock()
	valid := r.valid
	r.mu.Unlock()
	body, valid, err := r.fetcher.fetch(ctx, valid)
	if err != nil {
		return err
	}
	entries, skipped, err := ParseLiteLLM(body)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return errors.New("price file holds no chat prices")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// A file with fewer than half the models of the last one is refused once: it is
	// more likely a truncated or broken upload than a real change. The same file served
	// again on the next refresh is taken as the source's real content — otherwise one bad
	// table accepted earlier (or a real pruning upstream) would be locked in forever.
	if n := len(r.file); n > 0 && len(entries) < n/2 {
		sum := sha256.Sum256(body)
		if sum != r.refused {
			r.refused = sum
			return fmt.Errorf("price file shrank from %d to %d models; refusing it until it is served unchanged again", n, len(entries))
		}
		r.opts.Logger.Warn("price file shrank, and the same file was served again; accepting it",
			"from", n, "to", len(entries))
	}
	if err := r.swap(entries, r.overrides); err != nil {
		return err
	}
	r.valid, r.refused = valid, [sha256.Size]byte{}
	if skipped > 0 {
		r.opts.Logger.Warn("price file entries skipped: a price is not a non-negative number", "count", skipped)
	}
	r.opts.Logger.Info("prices refreshed", "models", len(entries), "skipped", skipped)
	return nil
}

// swap builds a table from file entries and overrides and stores it; r.mu is held.
func (r *Refresher) swap(file map[string]Entry, ov Overrides) error {
	t, err := NewTable(file, ov)
	if err != nil {
		return err
	}
	r.opts.Store.Set(t)
	r.file, r.overrides = file, ov
	r.m.models.Set(float64(t.Len()))
	return nil
}

// SetOverrides rebuilds the current table (built-in, last accepted file) with new
// overrides, for a config reload. On error the current table stays.
func (r *Refresher) SetOverrides(ov Overrides) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.swap(r.file, ov)
}
