// Package admin serves tollgate's admin HTTP endpoints: /metrics, /healthz, /readyz and
// POST /-/reload.
package admin

import (
	"context"
	"fmt"
	"net/http"

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
}

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
	mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, r *http.Request) {
		if o.Reload == nil {
			http.Error(w, "reload over HTTP is disabled (server.reload_endpoint: false)", http.StatusForbidden)
			return
		}
		if err := o.Reload(r.Context()); err != nil {
			http.Error(w, "reload failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "reloaded")
	})
	return mux
}
