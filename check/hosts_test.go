package check

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
)

// TestCheckEnvoyHosts: check -envoy compares every provider's route and cluster with the
// host tollgate sends to: a Bedrock route whose Host is not the one tollgate signs for is
// an error (AWS refuses the signature); every other difference is a warning.
func TestCheckEnvoyHosts(t *testing.T) {
	tests := []struct {
		envoy    string
		errors   []string // substrings, one per error, in order
		warnings []string // substrings, one per warning, in order
	}{
		{envoy: "hosts-envoy.yaml"},
		{
			envoy: "hosts-envoy-wrong.yaml",
			errors: []string{`provider "bedrock" (route "bedrock", cluster "bedrock"): the route sends Host bedrock-runtime.us-east-1.amazonaws.com, ` +
				`but tollgate signs this provider's requests (SigV4) for bedrock-runtime.us-west-2.amazonaws.com`},
			warnings: []string{
				`provider "proxy" (route "proxy", cluster "proxy"): the route sends Host api.openai.com, but endpoint https://llm-proxy.internal:8443 is llm-proxy.internal`,
				`provider "proxy" (route "proxy", cluster "proxy"): the cluster connects to api.openai.com:443, but endpoint https://llm-proxy.internal:8443 is llm-proxy.internal:8443`,
				`provider "proxy" (route "proxy", cluster "proxy"): the cluster's TLS server name (SNI) is api.openai.com, want llm-proxy.internal`,
				`provider "azure" (route "azure", cluster "azure"): the cluster connects to contoso.openai.azure.com:80, but endpoint https://contoso.openai.azure.com is contoso.openai.azure.com:443`,
				`provider "azure" (route "azure", cluster "azure"): the cluster speaks plaintext, but endpoint https://contoso.openai.azure.com is https`,
				`provider "vertex" (route "vertex", cluster "vertex"): the route sends Host aiplatform.googleapis.com, but the vertex API host is us-east5-aiplatform.googleapis.com`,
				`provider "vertex" (route "vertex", cluster "vertex"): the cluster connects to aiplatform.googleapis.com:443, but the vertex API host is us-east5-aiplatform.googleapis.com:443`,
				`provider "vertex" (route "vertex", cluster "vertex"): the cluster's TLS server name (SNI) is aiplatform.googleapis.com, want us-east5-aiplatform.googleapis.com`,
			},
		},
		{
			envoy:  "hosts-envoy-kept.yaml",
			errors: []string{`provider "bedrock" (route "bedrock", cluster "bedrock"): the route sends Host unset (the client's own Host is kept), but tollgate signs`},
			warnings: []string{
				`provider "anthropic" (route "anthropic", cluster "anthropic"): the cluster sets no TLS server name (SNI), want api.anthropic.com`,
				`provider "vertex" (route "vertex", cluster "vertex"): the route sends Host unset (the client's own Host is kept), but the vertex API host is us-east5-aiplatform.googleapis.com`,
				`provider "vertex" (route "vertex", cluster "vertex"): the cluster connects to 10.0.0.9:443, but the vertex API host is us-east5-aiplatform.googleapis.com:443`,
				`provider "vertex" (route "vertex", cluster "vertex"): the cluster sets no TLS server name (SNI), want us-east5-aiplatform.googleapis.com`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.envoy, func(t *testing.T) {
			r := Run(Options{Config: "testdata/hosts.yaml", Envoy: "testdata/" + tc.envoy, Lookup: env(nil)})
			match(t, "errors", r.Errors, tc.errors)
			match(t, "warnings", r.Warnings, tc.warnings)
			if r.OK != (len(tc.errors) == 0) {
				t.Errorf("ok = %v with errors %q", r.OK, r.Errors)
			}
		})
	}
}

// TestCheckEnvoyHostsBedrockAPIKey: a Bedrock provider with an API key sends a bearer
// token, not a SigV4 signature, so its Host mismatch is a warning like any other.
func TestCheckEnvoyHostsBedrockAPIKey(t *testing.T) {
	l := loadInline(t, strings.Replace(readFile(t, "testdata/hosts.yaml"), "    region: us-west-2\n", "    region: us-west-2\n    api_key: bedrock-key\n", 1))
	errs, warns := envoyProblems("testdata/hosts-envoy-wrong.yaml", l)
	if len(errs) != 0 {
		t.Errorf("errors %q, want none", errs)
	}
	if !slices.ContainsFunc(warns, func(w string) bool {
		return strings.Contains(w, `provider "bedrock"`) && strings.Contains(w, "the route sends Host bedrock-runtime.us-east-1.amazonaws.com, but the bedrock API host is bedrock-runtime.us-west-2.amazonaws.com")
	}) {
		t.Errorf("warnings %q lack the Bedrock Host mismatch", warns)
	}
}

// TestCheckEnvoyHostsAzureWithoutEndpoint: an Azure provider without endpoint names no
// host, so its cluster is not compared (examples/tollgate.yaml sets one).
func TestCheckEnvoyHostsAzureWithoutEndpoint(t *testing.T) {
	l := loadInline(t, strings.Replace(readFile(t, "testdata/hosts.yaml"), "    endpoint: https://contoso.openai.azure.com\n", "", 1))
	_, warns := envoyProblems("testdata/hosts-envoy-wrong.yaml", l)
	for _, w := range warns {
		if strings.Contains(w, `provider "azure"`) {
			t.Errorf("warning for an Azure provider without endpoint: %s", w)
		}
	}
}

func match(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s:\n%s\nwant %d containing:\n%s", what, strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s[%d] = %q, want it to contain %q", what, i, got[i], want[i])
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func loadInline(t *testing.T, yaml string) *config.Loaded {
	t.Helper()
	l, err := config.Parse("inline.yaml", []byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
