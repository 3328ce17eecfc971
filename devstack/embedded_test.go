package devstack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate/tollgate/deploy"
	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/mock"
)

// TestEmbeddedRealProviders: when the Envoy config sends the config's providers
// somewhere other than the compose mock, tollgate dev starts no mock and the stand-in
// sends requests to those clusters (here a local upstream standing in for a provider).
func TestEmbeddedRealProviders(t *testing.T) {
	var hits atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mock.New(mock.Options{Words: 3}, nil).ServeHTTP(w, r)
	}))
	defer upstream.Close()
	host, port, _ := strings.Cut(strings.TrimPrefix(upstream.URL, "http://"), ":")
	envoyYAML := strings.ReplaceAll(string(envoy.ShippedYAML()), "{ address: mock, port_value: 8080 }",
		"{ address: "+host+", port_value: "+port+" }")
	cfg := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(cfg, deploy.QuickstartConfig(), 0o600); err != nil {
		t.Fatal(err)
	}

	s := startStack(t, Options{ConfigPath: cfg, EnvoyConfig: []byte(envoyYAML), Embedded: true,
		Listen: "127.0.0.1:0", Admin: "127.0.0.1:0"})
	if s.info.Mock != "" || len(s.info.MockProviders) != 0 || strings.Join(s.info.RealProviders, ",") != "mock-anthropic,mock-gemini,mock-openai" {
		t.Errorf("info %+v: want no mock", s.info)
	}
	if status, usage := quickstartMessage(t, s.info.URL, deploy.DemoKey); status != http.StatusOK || usage["output_tokens"] != float64(3) {
		t.Errorf("%d %v", status, usage)
	}
	if hits.Load() != 1 {
		t.Errorf("the provider got %d requests", hits.Load())
	}
	if banner := s.stdout.String(); !strings.Contains(banner, "providers  mock-anthropic, mock-gemini, mock-openai") ||
		!strings.Contains(banner, EmbeddedNotice) || !strings.Contains(banner, `x-api-key: $TOLLGATE_KEY`) {
		t.Errorf("banner:\n%s", banner)
	}
	// The stand-in writes Envoy's access log to stdout, as Envoy does.
	if out := s.stdout.String(); !strings.Contains(out, `"provider":"mock-anthropic"`) || !strings.Contains(out, `"output_tokens":3`) {
		t.Errorf("no access log line on stdout:\n%s", out)
	}
}

// TestRunRefuses: configs tollgate dev cannot run are refused before anything starts.
func TestRunRefuses(t *testing.T) {
	dir := t.TempDir()
	tlsConfig := filepath.Join(dir, "tls.yaml")
	os.WriteFile(tlsConfig, []byte(strings.Replace(string(deploy.QuickstartConfig()), "server:\n", "server:\n  tls: {cert_file: a.crt, key_file: a.key}\n", 1)), 0o600)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"server.tls", Options{ConfigPath: tlsConfig, Embedded: true}, "server.tls is set, but tollgate dev connects Envoy to tollgate over loopback without TLS"},
		{"missing config", Options{ConfigPath: filepath.Join(dir, "nope.yaml")}, "nope.yaml: no such file"},
		{"bad envoy config", Options{EnvoyConfig: []byte("admin: {nope: 1}")}, "envoy config: "},
		{"listener on a name", Options{Listen: "example.com:10000", Admin: "127.0.0.1:0"}, "-listen: \"example.com:10000\": Envoy needs an IP address"},
		{"public Envoy admin", Options{Listen: "127.0.0.1:1", Admin: "127.0.0.1:0", EnvoyAdmin: "0.0.0.0:9901"}, "keep it on a loopback address"},
		{"every bad address at once", Options{Listen: ":0", Admin: "nope", EnvoyAdmin: "9901"},
			"-admin: address nope: missing port in address\n-listen :0: Envoy needs a port\n-envoy-admin: address 9901: missing port in address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
