// Package admin serves tollgate's admin HTTP endpoints: /metrics, /healthz, /readyz and
// POST /-/reload.
package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure the admin handler.
type Options struct {
	Gatherer prometheus.Gatherer
	// Ready reports whether tollgate should receive traffic.
	Ready func() bool
	// Reload reloads the config; nil disables POST /-/reload.
	Reload func(ctx context.Context) error
	// ReloadLimiter bounds POST /-/reload (each reload reads, validates and assembles
	// the whole config); nil means DefaultReloadLimit.
	ReloadLimiter *rate.Limiter
}

// DefaultReloadLimit admits a burst of 5 reloads, then one a second.
func DefaultReloadLimit() *rate.Limiter { return rate.NewLimiter(rate.Every(time.Second), 5) }

// Handler returns the admin mux.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{EnableOpenMetrics: false}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if o.Ready != nil && !o.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	lim := o.ReloadLimiter
	if lim == nil {
		lim = DefaultReloadLimit()
	}
	mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, r *http.Request) {
		if o.Reload == nil {
			http.Error(w, "reload over HTTP is disabled (server.reload_endpoint: false)", http.StatusForbidden)
			return
		}
		if !lim.Allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many reloads; try again in a second", http.StatusTooManyRequests)
			return
		}
		// The reason goes to tollgate's log, never to the caller: a config error quotes
		// the file, and the admin port is not the place to read it from.
		if err := o.Reload(r.Context()); err != nil {
			http.Error(w, "reload failed; the running config is kept (the tollgate log says why)", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "reloaded")
	})
	return mux
}
