package pricing

import (
	"log/slog"
	"sync"
)

// MaxWarned bounds the (model, provider type) pairs a WarnOnce remembers: clients
// inventing names cannot grow it without bound. Past it, one more warning says that
// further unpriced models are not logged (they are still counted in
// tollgate_unpriced_tokens_total).
const MaxWarned = 1000

// maxWarnedName bounds the bytes of one remembered model name.
const maxWarnedName = 256

// WarnOnce logs one warning per unpriced model and provider type per process, for up to
// MaxWarned pairs. It is safe for concurrent use.
type WarnOnce struct {
	log  *slog.Logger
	mu   sync.Mutex
	seen map[warnKey]struct{}
	full bool // the "too many" warning was logged
}

type warnKey struct{ providerType, model string }

// NewWarnOnce returns a WarnOnce that logs to log.
func NewWarnOnce(log *slog.Logger) *WarnOnce {
	return &WarnOnce{log: log, seen: map[warnKey]struct{}{}}
}

// Unpriced logs a warning for q's model the first time it is seen and reports whether
// it logged.
func (w *WarnOnce) Unpriced(q Query) bool {
	name := q.ClientModel
	if len(name) > maxWarnedName {
		name = name[:maxWarnedName]
	}
	k := warnKey{q.ProviderType, name}
	w.mu.Lock()
	_, seen := w.seen[k]
	overflow := false
	switch {
	case seen:
	case len(w.seen) >= MaxWarned:
		seen, overflow = true, !w.full
		w.full = true
	default:
		w.seen[k] = struct{}{}
	}
	w.mu.Unlock()
	if overflow {
		w.log.Warn("more unpriced models than tollgate logs; further ones are only counted in tollgate_unpriced_tokens_total",
			"limit", MaxWarned)
	}
	if seen {
		return false
	}
	w.log.Warn("no price for model; its tokens are counted as unpriced",
		"model", name, "provider_type", q.ProviderType,
		"upstream_model", q.UpstreamModel, "pricing_model", q.PricingModel)
	return true
}
