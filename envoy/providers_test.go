package envoy_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/goccy/go-yaml"

	"github.com/tollgate/tollgate/envoy"
)

// The tollgate configs whose providers envoy.yaml must route.
var tollgateConfigs = []string{"../examples/tollgate.yaml", "../deploy/tollgate.yaml"}

// providerNames reads providers[].name from a tollgate config (a generic decode: only
// the names matter here).
func providerNames(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Providers []struct {
			Name string `yaml:"name"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	for _, p := range doc.Providers {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		t.Fatalf("%s: no providers", path)
	}
	return names
}

func TestEveryConfiguredProviderIsRouted(t *testing.T) {
	b := loadShipped(t)
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, path := range tollgateConfigs {
		for _, name := range providerNames(t, path) {
			known[name] = true
			t.Run(path+"/"+name, func(t *testing.T) {
				r, ok := routes[name]
				if !ok {
					t.Fatalf("no route matches %s: %s exactly", envoy.ProviderHeader, name)
				}
				if r.Cluster != name {
					t.Errorf("route goes to cluster %q, want the provider's own cluster %q", r.Cluster, name)
				}
				if r.HostRewrite == "" {
					t.Error("no host_rewrite_literal: the client's Host would reach the provider")
				}
			})
		}
	}
	for name := range routes {
		if !known[name] {
			t.Errorf("route for provider %q, which no tollgate config declares (typo?)", name)
		}
	}
}

// A TLS provider's certificate check, SNI, Host header (which SigV4 signs) and endpoint
// must all name the same host.
func TestTLSClustersAgreeOnHost(t *testing.T) {
	b := loadShipped(t)
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	tlsCount := 0
	for name, r := range routes {
		if !r.TLS {
			if !strings.HasPrefix(name, "mock-") {
				t.Errorf("%s: plain-text cluster; only the compose mock providers may skip TLS", name)
			}
			continue
		}
		tlsCount++
		if r.SNI != r.Host || r.HostRewrite != r.Host {
			t.Errorf("%s: sni %q, endpoint %q, host_rewrite_literal %q: want all equal", name, r.SNI, r.Host, r.HostRewrite)
		}
		if r.Port != 443 {
			t.Errorf("%s: TLS port %d, want 443", name, r.Port)
		}
		c := cluster(t, b, r.Cluster)
		ctx := upstreamTLS(t, c)
		var sans []string
		for _, m := range ctx.GetCommonTlsContext().GetValidationContext().GetMatchTypedSubjectAltNames() {
			sans = append(sans, m.GetMatcher().GetExact())
		}
		if !slices.Contains(sans, r.Host) {
			t.Errorf("%s: certificate SAN matchers %v do not include %q", name, sans, r.Host)
		}
		if ctx.GetCommonTlsContext().GetValidationContext().GetTrustedCa() == nil {
			t.Errorf("%s: no trusted_ca: the provider's certificate would not be verified", name)
		}
	}
	if tlsCount != 6 {
		t.Errorf("%d TLS providers, want 6", tlsCount)
	}
}

func upstreamTLS(t *testing.T, c *clusterv3.Cluster) *tlsv3.UpstreamTlsContext {
	t.Helper()
	ctx := &tlsv3.UpstreamTlsContext{}
	if err := c.GetTransportSocket().GetTypedConfig().UnmarshalTo(ctx); err != nil {
		t.Fatalf("cluster %s: %v", c.GetName(), err)
	}
	return ctx
}
