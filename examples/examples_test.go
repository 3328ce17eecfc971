// Package examples holds example tollgate configurations; its test checks each one the
// way `tollgate check -strict` would, and that the translation examples translate.
package examples

import (
	"os"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/check"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/api"
)

func env(name string) (string, bool) {
	if strings.HasSuffix(name, "_SHA256") {
		return strings.Repeat("ab", 32), true
	}
	return "x", true
}

// TestTranslationExamples: the example rules route a client API to a provider that
// speaks the other one, and tollgate translates.
func TestTranslationExamples(t *testing.T) {
	for _, tc := range []struct {
		file   string
		client api.Kind
		model  string
		to     api.Kind
	}{
		{"copilot-byok-bedrock.yaml", api.OpenAIChat, "claude-sonnet-4-5", api.AnthropicMessages},
		{"copilot-byok-bedrock.yaml", api.OpenAIChat, "claude-haiku-4-5", api.AnthropicMessages},
		{"claude-code-azure.yaml", api.AnthropicMessages, "gpt-5.1", api.OpenAIChat},
		{"claude-code-azure.yaml", api.AnthropicMessages, "gpt-5-mini", api.OpenAIChat},
	} {
		r := check.Run(check.Options{Config: tc.file, Envoy: "../envoy/envoy.yaml", Strict: true, Lookup: env})
		if !r.OK {
			t.Fatalf("%s: tollgate check -strict: %q %q", tc.file, r.Errors, r.Warnings)
		}
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		l, err := config.Parse(tc.file, data, env)
		if err != nil {
			t.Fatal(err)
		}
		router, err := l.Router()
		if err != nil {
			t.Fatal(err)
		}
		route, ok := router.Resolve(tc.model)
		if !ok {
			t.Fatalf("%s: %s is not routed", tc.file, tc.model)
		}
		typ := ""
		for _, p := range l.Providers {
			if p.Name == route.Provider {
				typ = p.Type
			}
		}
		if to, ok := provider.TranslationFor(typ, tc.client, route.UpstreamModel); !ok || to != tc.to {
			t.Errorf("%s: a %s client asking for %s is translated to %s (%v), want %s", tc.file, tc.client, tc.model, to, ok, tc.to)
		}
	}
}
