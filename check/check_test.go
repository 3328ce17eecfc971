package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestCheckFindsEveryProblem(t *testing.T) {
	r := Run(Options{Config: "testdata/unrouted.yaml", Envoy: "../envoy/envoy.yaml", Lookup: env(nil)})
	if r.OK {
		t.Fatal("ok with problems")
	}
	want := []string{
		"providers[0] (anthropic).api_key: environment variable CHECK_TEST_KEY is not set",
		`envoy: provider "openrouter-eu" has no route matching x-tollgate-provider: openrouter-eu`,
	}
	if len(r.Errors) != len(want) {
		t.Fatalf("errors = %q", r.Errors)
	}
	for i, w := range want {
		if !strings.HasPrefix(r.Errors[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, r.Errors[i], w)
		}
	}
	if len(r.Unpriced) != 0 {
		t.Error("price check ran on an invalid config")
	}
}

func TestCheckPricesAndStrict(t *testing.T) {
	lookup := env(map[string]string{"CHECK_TEST_KEY": "k"})
	r := Run(Options{Config: "testdata/unrouted.yaml", Lookup: lookup})
	if !r.OK {
		t.Fatalf("errors without -strict: %q", r.Errors)
	}
	if strings.Join(r.Unpriced, ",") != "claude-brand-new-1" {
		t.Errorf("unpriced = %v", r.Unpriced)
	}
	if len(r.Warnings) != 2 { // open gateway + one unpriced model (the default listen is loopback)
		t.Errorf("warnings = %q", r.Warnings)
	}
	if strings.Join(r.EnvVars, ",") != "CHECK_TEST_KEY" {
		t.Errorf("env vars = %v", r.EnvVars)
	}
	r = Run(Options{Config: "testdata/unrouted.yaml", Lookup: lookup, Strict: true})
	if r.OK || len(r.Errors) != 2 || !strings.HasPrefix(r.Errors[1], "strict: model \"claude-brand-new-1\"") {
		t.Errorf("strict errors = %q", r.Errors)
	}
}

func TestCheckShippedConfigs(t *testing.T) {
	// The compose config listens on every interface of the tollgate container without mTLS:
	// only the compose network reaches it (docker-compose.yaml publishes no tollgate port),
	// which check cannot see, so that warning stays; it has no other.
	r := Run(Options{Config: "../deploy/tollgate.yaml", Envoy: "../envoy/envoy.yaml"})
	if !r.OK || len(r.Unpriced) != 0 {
		t.Errorf("deploy/tollgate.yaml: errors %q, unpriced %q", r.Errors, r.Unpriced)
	}
	if len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], `listen ":50051" is not a loopback address`) {
		t.Errorf("deploy/tollgate.yaml warnings = %q, want only the exposed gRPC port", r.Warnings)
	}
	all := env(map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o", "AZURE_OPENAI_API_KEY": "z",
		"GEMINI_API_KEY": "g", "VERTEX_PROJECT": "p", "ALICE_KEY_SHA256": strings.Repeat("ab", 32)})
	r = Run(Options{Config: "../examples/tollgate.yaml", Envoy: "../envoy/envoy.yaml", Strict: true, Lookup: all})
	if !r.OK {
		t.Errorf("examples/tollgate.yaml: %q", r.Errors)
	}
}

// TestCheckExposedListen: a gRPC port reachable beyond the host without client certificates
// is a warning (an error with -strict); loopback or mTLS (server.tls.client_ca) is not.
func TestCheckExposedListen(t *testing.T) {
	const base = "providers: [{name: a, type: anthropic, api_key: k}]\nmodels: [{match: \"claude-*\", provider: a}]\n" +
		"keys: [{name: k, team: t, key_sha256: \"3f71b185bc01c8dcd1a763e02d5fc26fac376d89204fabef9db83e5897cc6bbf\"}]\n"
	const mtls = "server: {tls: {cert_file: /tls/tls.crt, key_file: /tls/tls.key, client_ca: /tls/ca.crt}}\n"
	const tlsOnly = "server: {tls: {cert_file: /tls/tls.crt, key_file: /tls/tls.key}}\n"
	for _, tc := range []struct {
		name, extra string
		warn        bool
	}{
		{"default listen (loopback)", "", false},
		{"all interfaces", `listen: ":50051"` + "\n", true},
		{"0.0.0.0", `listen: "0.0.0.0:50051"` + "\n", true},
		{"IPv6 any", `listen: "[::]:50051"` + "\n", true},
		{"pod address", `listen: "10.0.0.5:50051"` + "\n", true},
		{"host name", `listen: "tollgate:50051"` + "\n", true},
		{"TLS without client_ca", `listen: ":50051"` + "\n" + tlsOnly, true},
		{"loopback", `listen: "127.0.0.1:50051"` + "\n", false},
		{"loopback 127.0.0.2", `listen: "127.0.0.2:50051"` + "\n", false},
		{"IPv6 loopback", `listen: "[::1]:50051"` + "\n", false},
		{"localhost", `listen: "localhost:50051"` + "\n", false},
		{"mTLS", `listen: ":50051"` + "\n" + mtls, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tollgate.yaml")
			if err := os.WriteFile(path, []byte(base+tc.extra), 0o600); err != nil {
				t.Fatal(err)
			}
			r := Run(Options{Config: path, Lookup: env(nil)})
			if !r.OK {
				t.Fatalf("errors: %q", r.Errors)
			}
			var got []string
			for _, w := range r.Warnings {
				if strings.Contains(w, "gRPC ext_proc port") {
					got = append(got, w)
				}
			}
			if tc.warn != (len(got) == 1) || len(got) > 1 {
				t.Fatalf("warnings %q, want the exposed-port warning: %v", r.Warnings, tc.warn)
			}
			if !tc.warn {
				return
			}
			for _, want := range []string{"hands provider credentials to any peer that can reach it", "mTLS", "server.tls", "client_ca", "NetworkPolicy"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("warning %q lacks %q", got[0], want)
				}
			}
			strict := Run(Options{Config: path, Lookup: env(nil), Strict: true})
			if strict.OK || len(strict.Errors) != 1 || strict.Errors[0] != "strict: "+got[0] {
				t.Errorf("strict errors = %q, want the warning as the only error", strict.Errors)
			}
		})
	}
}

// TestPricingURLIsANoteNotAWarning: a config with pricing.url passes -strict; that its
// prices were checked against the built-in table only is a note.
func TestPricingURLIsANoteNotAWarning(t *testing.T) {
	dir := t.TempDir()
	cfg := "listen: 127.0.0.1:50051\nproviders:\n  - name: anthropic\n    type: anthropic\n    api_key: x\nmodels:\n  - match: claude-sonnet-4-5-20250929\n    provider: anthropic\nkeys:\n  - name: a\n    team: t\n    key_sha256: \"" + strings.Repeat("ab", 32) + "\"\npricing:\n  url: https://prices.example/model_prices.json\n"
	path := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := Run(Options{Config: path, Strict: true, Lookup: env(nil)})
	if !r.OK || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "prices.example") {
		t.Fatalf("ok %v, errors %v, warnings %v, notes %v", r.OK, r.Errors, r.Warnings, r.Notes)
	}
}
