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
				if r.UpstreamHost() == "" {
					t.Error("no host_rewrite_literal or auto_host_rewrite: the client's Host would reach the provider")
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
// must all name the same host, written once: the cluster's address, which the route's
// auto_host_rewrite makes the Host, auto_sni the server name and auto_san_validation the
// name the certificate must carry.
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
		if r.UpstreamSNI() != r.Host || r.UpstreamHost() != r.Host {
			t.Errorf("%s: sni %q, endpoint %q, Host %q: want all equal", name, r.UpstreamSNI(), r.Host, r.UpstreamHost())
		}
		if !r.AutoHostRewrite || !r.AutoSNI || r.HostRewrite != "" || r.SNI != "" {
			t.Errorf("%s: the host is written more than once (host_rewrite_literal %q, sni %q) or not derived (auto_host_rewrite %v, auto_sni %v)",
				name, r.HostRewrite, r.SNI, r.AutoHostRewrite, r.AutoSNI)
		}
		if n := hostMentions(t, r.Host); n != 1 {
			t.Errorf("%s: %s appears %d times in envoy.yaml (outside comments), want once", name, r.Host, n)
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
		if !slices.Contains(sans, r.Host) && !protocolOptions(t, c).GetUpstreamHttpProtocolOptions().GetAutoSanValidation() {
			t.Errorf("%s: neither auto_san_validation nor a SAN matcher (%v) checks the certificate against %q", name, sans, r.Host)
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

// hostMentions counts the times host appears in envoy.yaml outside comments.
func hostMentions(t *testing.T, host string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(string(envoy.ShippedYAML()), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		n += strings.Count(line, host)
	}
	return n
}
