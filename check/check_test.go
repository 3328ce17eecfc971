package check

import (
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
		"providers[0].api_key: environment variable CHECK_TEST_KEY is not set",
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
	if len(r.Warnings) != 2 { // open gateway + one unpriced model
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
	r := Run(Options{Config: "../deploy/tollgate.yaml", Envoy: "../envoy/envoy.yaml", Strict: true})
	if !r.OK {
		t.Errorf("deploy/tollgate.yaml: %q", r.Errors)
	}
	all := env(map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o", "AZURE_OPENAI_API_KEY": "z",
		"GEMINI_API_KEY": "g", "VERTEX_PROJECT": "p", "ALICE_KEY_SHA256": strings.Repeat("ab", 32)})
	r = Run(Options{Config: "../examples/tollgate.yaml", Envoy: "../envoy/envoy.yaml", Strict: true, Lookup: all})
	if !r.OK {
		t.Errorf("examples/tollgate.yaml: %q", r.Errors)
	}
}
