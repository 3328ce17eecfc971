package pricing

import (
	"log/slog"
	"sync"
)

// WarnOnce logs one warning per unpriced model and provider type per process.
// It is safe for concurrent use.
type WarnOnce struct {
	log  *slog.Logger
	mu   sync.Mutex
	seen map[warnKey]struct{}
}

type warnKey struct{ providerType, model string }

// NewWarnOnce returns a WarnOnce that logs to log.
func NewWarnOnce(log *slog.Logger) *WarnOnce {
	return &WarnOnce{log: log, seen: map[warnKey]struct{}{}}
}

// Unpriced logs a warning for q's model the first time it is seen and reports whether
// it logged.
func (w *WarnOnce) Unpriced(q Query) bool {
	k := warnKey{q.ProviderType, q.ClientModel}
	w.mu.Lock()
	_, seen := w.seen[k]
	if !seen {
		w.seen[k] = struct{}{}
	}
	w.mu.Unlock()
	if seen {
		return false
	}
	w.log.Warn("no price for model; its tokens are counted as unpriced",
		"model", q.ClientModel, "provider_type", q.ProviderType,
		"upstream_model", q.UpstreamModel, "pricing_model", q.PricingModel)
	return true
}
