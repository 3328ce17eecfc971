package envoy_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/envoy"
)

func TestLoadBootstrapAcceptsShippedFiles(t *testing.T) {
	for _, path := range []string{"envoy.yaml", "testdata/minimal.yaml"} {
		t.Run(path, func(t *testing.T) {
			b, err := envoy.LoadBootstrap(path)
			if err != nil {
				t.Fatalf("LoadBootstrap: %v", err)
			}
			if len(b.GetStaticResources().GetListeners()) == 0 {
				t.Fatal("no listeners decoded")
			}
		})
	}
}

// Each invalid fixture must fail to load, with an error that names the problem.
func TestLoadBootstrapRejectsInvalid(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of the error
	}{
		{"invalid-unknown-field.yaml", []string{`unknown field "stat_prefx"`}},
		{"invalid-unresolved-type.yaml", []string{`unable to resolve`, `envoy.extensions.filters.http.nosuch.v3.Filter`}},
		{"invalid-nested-any.yaml", []string{`unknown field "extra"`}},
		{"invalid-typed-config-rule.yaml", []string{
			"static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config",
			"ExternalProcessor.MessageTimeout",
		}},
		{"invalid-bootstrap-rule.yaml", []string{"Cluster.ConnectTimeout", "greater than 0s"}},
		{"invalid-duplicate-key.yaml", []string{`"connect_timeout" already set`}},
		{"invalid-merge-key.yaml", []string{"line 64", "merge key"}},
		{"missing.yaml", []string{"no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			_, err := envoy.LoadBootstrap(path)
			if err == nil {
				t.Fatal("LoadBootstrap succeeded; want an error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseBootstrapAcceptsJSON(t *testing.T) {
	b, err := envoy.ParseBootstrap([]byte(`{"admin":{"address":{"socket_address":{"address":"127.0.0.1","port_value":9901}}}}`))
	if err != nil {
		t.Fatalf("ParseBootstrap: %v", err)
	}
	if got := b.GetAdmin().GetAddress().GetSocketAddress().GetPortValue(); got != 9901 {
		t.Errorf("admin port = %d, want 9901", got)
	}
}
