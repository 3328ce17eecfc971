package devstack

import (
	"slices"
	"sort"
	"strings"
	"testing"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
)

const mixedConfig = `
providers:
  - {name: anthropic, type: anthropic, api_key: sk-test}
  - {name: mock-openai, type: openai, api_key: mock}
models:
  - {match: "claude-*", provider: anthropic}
  - {match: "gpt-*", provider: mock-openai}
`

func loadPlan(t *testing.T, yml string) *plan {
	t.Helper()
	l, err := config.Parse("tollgate.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	b, err := envoy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	p, err := makePlan(l, b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAdaptMixed: a config with a real provider and a mock one keeps the real cluster
// (TLS to the provider, with this system's CA bundle where envoy.yaml's is missing),
// points the mock's at the mock, and drops every other provider's route and cluster.
func TestAdaptMixed(t *testing.T) {
	p := loadPlan(t, mixedConfig)
	if !slices.Equal(p.mock, []string{"mock-openai"}) || !slices.Equal(p.real, []string{"anthropic"}) {
		t.Fatalf("mock %v real %v", p.mock, p.real)
	}
	old := fileExists
	fileExists = func(path string) bool { return path == "/etc/ssl/cert.pem" } // as on macOS
	defer func() { fileExists = old }()

	b, _ := envoy.Shipped()
	at := local{listen: hostPort{"0.0.0.0", 10000}, admin: hostPort{"127.0.0.1", 9901},
		tollgate: hostPort{"127.0.0.1", 50001}, mock: &hostPort{"127.0.0.1", 50002}}
	if err := adapt(b, p, at); err != nil {
		t.Fatal(err)
	}
	js, err := marshalBootstrap(b)
	if err != nil {
		t.Fatal(err)
	}
	b, err = envoy.ParseBootstrap(js)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range b.GetStaticResources().GetClusters() {
		names = append(names, c.GetName())
	}
	sort.Strings(names)
	if !slices.Equal(names, []string{"anthropic", "mock-openai", "tollgate"}) {
		t.Errorf("clusters %v", names)
	}
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 2 || routes["anthropic"].Endpoint() != "api.anthropic.com:443" || !routes["anthropic"].TLS ||
		routes["mock-openai"].Endpoint() != "127.0.0.1:50002" {
		t.Errorf("routes %+v", routes)
	}
	c, _ := envoy.Cluster(b, "anthropic")
	msg, err := c.GetTransportSocket().GetTypedConfig().UnmarshalNew()
	if err != nil {
		t.Fatal(err)
	}
	if ca := msg.(*tlsv3.UpstreamTlsContext).GetCommonTlsContext().GetValidationContext().GetTrustedCa().GetFilename(); ca != "/etc/ssl/cert.pem" {
		t.Errorf("anthropic's trusted_ca %q, want this system's bundle", ca)
	}
	cms, _ := envoy.ConnectionManagers(b)
	if len(cms) != 1 || cms[0].Address != "0.0.0.0" || cms[0].Port != 10000 {
		t.Errorf("listener %+v", cms)
	}
	// The catch-all stays, last.
	vh := cms[0].HCM.GetRouteConfig().GetVirtualHosts()[0]
	if last := vh.GetRoutes()[len(vh.GetRoutes())-1]; last.GetName() != "no-provider" {
		t.Errorf("last route %q", last.GetName())
	}
}

func TestPlanErrors(t *testing.T) {
	b, _ := envoy.Shipped()
	for _, tc := range []struct{ yml, want string }{
		{`providers: [{name: anthropic-prod, type: anthropic, api_key: k}]
models: [{match: "*", provider: anthropic-prod}]`,
			`provider "anthropic-prod": the Envoy config has no route matching x-tollgate-provider: anthropic-prod (give tollgate dev one with -envoy FILE)`},
	} {
		l, err := config.Parse("t.yaml", []byte(tc.yml), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := makePlan(l, b); err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

func TestParseHostPort(t *testing.T) {
	for in, want := range map[string]string{
		":10000":          "0.0.0.0:10000",
		"localhost:10000": "127.0.0.1:10000",
		"[::]:8080":       "[::]:8080",
		"127.0.0.1:0":     "127.0.0.1:0",
		"example.com:80":  "Envoy needs an IP address",
		"10000":           "missing port",
		":http":           "is not a number",
	} {
		got, err := parseHostPort(in)
		s := got.String()
		if err != nil {
			s = err.Error()
		}
		if !strings.Contains(s, want) {
			t.Errorf("%q: %s, want %s", in, s, want)
		}
	}
}
