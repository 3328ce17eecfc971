package envoy_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/envoy"
)

func TestProviderRoutes(t *testing.T) {
	b, err := envoy.LoadBootstrap("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]envoy.RouteInfo{
		"p1": {Provider: "p1", Route: "to-p1", Cluster: "p1", HostRewrite: "p1.example.com",
			Host: "p1.example.com", Port: 443, TLS: true, SNI: "p1.example.com", Upstream: envoy.Upstream{DNS: true}},
		// matched with the deprecated exact_match and a differently-cased header name
		"local": {Provider: "local", Route: "to-local", Cluster: "local", Host: "::1", Port: 8080},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ProviderRoutes =\n%+v\nwant\n%+v", got, want)
	}
}

func TestProviderRoutesRejects(t *testing.T) {
	tests := []struct{ file, want string }{
		{"routes-duplicate.yaml", `provider "p1" is already routed by route "to-p1"`},
		{"routes-missing-cluster.yaml", `cluster "nosuch" is not a static cluster`},
		{"routes-prefix-match.yaml", "must be an exact, case-sensitive string match"},
		{"routes-inverted.yaml", "must be a plain exact match"},
		{"routes-weighted.yaml", "must name one cluster"},
		{"routes-direct-response.yaml", "has no route action"},
		{"routes-rds.yaml", "no inline route_config"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := envoy.LoadBootstrap(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("the fixture itself must load: %v", err)
			}
			_, err = envoy.ProviderRoutes(b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ProviderRoutes error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestExtProcFilter(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
		cluster string
	}{
		{file: "minimal.yaml", cluster: "ext"},
		{file: "no-extproc.yaml", wantErr: "no ext_proc http filter"},
		{file: "two-extproc.yaml", wantErr: "2 ext_proc http filters"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := envoy.LoadBootstrap(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			ep, err := envoy.ExtProcFilter(b)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ep.GetGrpcService().GetEnvoyGrpc().GetClusterName(); got != tt.cluster {
				t.Errorf("grpc cluster = %q, want %q", got, tt.cluster)
			}
		})
	}
}

func TestRouteInfoEndpoint(t *testing.T) {
	tests := []struct {
		r    envoy.RouteInfo
		want string
	}{
		{envoy.RouteInfo{Host: "api.anthropic.com", Port: 443}, "api.anthropic.com:443"},
		{envoy.RouteInfo{Host: "::1", Port: 8080}, "[::1]:8080"},
	}
	for _, tt := range tests {
		if got := tt.r.Endpoint(); got != tt.want {
			t.Errorf("Endpoint() = %q, want %q", got, tt.want)
		}
	}
}

// TestUpstreamHostAndSNI: the Host and TLS server name a provider receives, from the
// route's rewrite and the cluster's endpoint and auto_sni.
func TestUpstreamHostAndSNI(t *testing.T) {
	dns := envoy.RouteInfo{Host: "api.example.com", Port: 443, TLS: true, SNI: "sni.example.com", Upstream: envoy.Upstream{DNS: true}}
	with := func(r envoy.RouteInfo, edit func(*envoy.RouteInfo)) envoy.RouteInfo { edit(&r); return r }
	tests := []struct {
		name      string
		r         envoy.RouteInfo
		host, sni string
	}{
		{"no rewrite keeps the client's Host", dns, "", "sni.example.com"},
		{"literal", with(dns, func(r *envoy.RouteInfo) { r.HostRewrite = "lit.example.com:8443" }), "lit.example.com", "sni.example.com"},
		{"auto: a DNS cluster's address", with(dns, func(r *envoy.RouteInfo) { r.AutoHostRewrite = true }), "api.example.com", "sni.example.com"},
		{"auto: the endpoint's hostname", with(dns, func(r *envoy.RouteInfo) { r.AutoHostRewrite, r.EndpointHostname = true, "h.example.com" }), "h.example.com", "sni.example.com"},
		{"auto on a static cluster without hostname", with(dns, func(r *envoy.RouteInfo) { r.AutoHostRewrite, r.DNS = true, false }), "", "sni.example.com"},
		{"auto_sni follows Host", with(dns, func(r *envoy.RouteInfo) { r.HostRewrite, r.AutoSNI = "lit.example.com", true }), "lit.example.com", "lit.example.com"},
		{"no TLS, no SNI", with(dns, func(r *envoy.RouteInfo) { r.TLS, r.AutoSNI = false, true }), "", ""},
	}
	for _, tc := range tests {
		if h, s := tc.r.UpstreamHost(), tc.r.UpstreamSNI(); h != tc.host || s != tc.sni {
			t.Errorf("%s: host %q sni %q, want %q %q", tc.name, h, s, tc.host, tc.sni)
		}
	}
}
