package envoy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/envoy"
)

// ParseBootstrap reads operator-written files: whatever the bytes, it returns an error or
// a bootstrap that the accessors can walk, and never panics.
func FuzzParseBootstrap(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range append(paths, "envoy.yaml") {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := envoy.ParseBootstrap(data)
		if err != nil {
			return
		}
		routes, err := envoy.ProviderRoutes(b)
		if err == nil {
			for name, r := range routes {
				if r.Provider != name || r.Cluster == "" {
					t.Fatalf("route %q = %+v", name, r)
				}
			}
		}
		_, _ = envoy.ExtProcFilter(b)
	})
}
