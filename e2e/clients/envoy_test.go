package clients

// This file is the package's only contact with the Envoy stand-in (internal/envoysim).

import (
	"log/slog"
	"testing"

	"github.com/tollgate/tollgate/envoy"
	sim "github.com/tollgate/tollgate/internal/envoysim"
)

// envoySim is the running Envoy stand-in.
type envoySim interface {
	URL() string
	AccessLog() []map[string]any
}

// startEnvoy starts the Envoy stand-in configured from envoyYAML (an envoy.yaml
// bootstrap) in front of the ext_proc server at extProcAddr, each named cluster sent to
// its local upstream URL. It stops when the test ends.
func startEnvoy(t *testing.T, envoyYAML, extProcAddr string, upstreams map[string]string, log *slog.Logger) envoySim {
	t.Helper()
	b, err := envoy.LoadBootstrap(envoyYAML)
	if err != nil {
		t.Fatal(err)
	}
	h, err := sim.New(sim.Options{Bootstrap: b, ExtProcAddr: extProcAddr, Upstreams: upstreams, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
