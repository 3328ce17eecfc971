package assembly

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/provider"
)

const base = `
providers:
  - name: openai
    type: openai
    api_key: sk-one
  - name: vertex
    type: vertex
    project: p
    region: global
models:
  - match: gpt-4.1
    provider: openai
  - match: "claude-*"
    provider: vertex
keys:
  - name: alice
    team: platform
    key_sha256: "0000000000000000000000000000000000000000000000000000000000000000"
`

func load(t *testing.T, yaml string) *config.Loaded {
	t.Helper()
	l, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestReloadReusesUnchangedProviders: a load that keeps a provider's settings keeps the
// provider object (and so its credential cache); any change to them, or to the
// credential timeout, builds it anew.
func TestReloadReusesUnchangedProviders(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		sameOpen bool // the openai provider is the same object
		sameVtx  bool // the vertex provider is the same object
	}{
		{"models only", func(s string) string {
			return strings.Replace(s, "  - match: gpt-4.1\n", "  - match: gpt-5.1\n    provider: openai\n  - match: gpt-4.1\n", 1)
		}, true, true},
		{"keys and limits", func(s string) string {
			return strings.Replace(s, "team: platform", "team: research", 1) + "limits:\n  max_request_body: 1024\n"
		}, true, true},
		{"one provider's key", func(s string) string { return strings.Replace(s, "sk-one", "sk-two", 1) }, false, true},
		{"one provider's region", func(s string) string { return strings.Replace(s, "region: global", "region: us-east5", 1) }, true, false},
		{"credential timeout", func(s string) string { return s + "limits:\n  credential_timeout: 9s\n" }, false, false},
	}
	a := NewAssembler(provider.Deps{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev, err := a.Assemble(load(t, base), nil)
			if err != nil {
				t.Fatal(err)
			}
			next, err := a.Assemble(load(t, tc.edit(base)), prev)
			if err != nil {
				t.Fatal(err)
			}
			if got := next.Provider("openai") == prev.Provider("openai"); got != tc.sameOpen {
				t.Errorf("openai reused = %v, want %v", got, tc.sameOpen)
			}
			if got := next.Provider("vertex") == prev.Provider("vertex"); got != tc.sameVtx {
				t.Errorf("vertex reused = %v, want %v", got, tc.sameVtx)
			}
		})
	}
}

// TestReuseNeedsTheSameAssembler: providers carry their Assembler's dependencies (logger,
// credential-error hook), so another Assembler never takes them over; nor does a load
// take over a provider injected with WithProvider.
func TestReuseNeedsTheSameAssembler(t *testing.T) {
	a, b := NewAssembler(provider.Deps{}), NewAssembler(provider.Deps{})
	prev, err := a.Assemble(load(t, base), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Assemble(load(t, base), prev)
	if err != nil {
		t.Fatal(err)
	}
	if other.Provider("openai") == prev.Provider("openai") {
		t.Error("another Assembler reused a provider")
	}
	injected := prev.WithProvider(fake{prev.Provider("openai")})
	next, err := a.Assemble(load(t, base), injected)
	if err != nil {
		t.Fatal(err)
	}
	if _, isFake := next.Provider("openai").(fake); isFake {
		t.Error("an injected provider outlived its Runtime")
	}
	if next.Provider("vertex") != prev.Provider("vertex") {
		t.Error("the unchanged provider was not reused")
	}
}

type fake struct{ provider.Provider }

func (fake) Prepare(context.Context, *provider.Request) (provider.Mutation, error) {
	return provider.Mutation{}, nil
}

// TestRuntimeIsImmutable: WithProvider derives a new Runtime and leaves the original,
// which streams in flight may be using, as it was.
func TestRuntimeIsImmutable(t *testing.T) {
	rt, err := NewAssembler(provider.Deps{}).Assemble(load(t, base), nil)
	if err != nil {
		t.Fatal(err)
	}
	good := rt.Provider("openai")
	changed := rt.WithProvider(fake{good})
	if rt.Provider("openai") != good {
		t.Error("WithProvider changed the original Runtime")
	}
	if _, ok := changed.Provider("openai").(fake); !ok {
		t.Error("WithProvider did not serve the new provider")
	}
	if changed.Router() != rt.Router() || changed.Keys() != rt.Keys() || changed.Limits() != rt.Limits() {
		t.Error("WithProvider lost the rest of the Runtime")
	}
	if rt.Provider("nope") != nil {
		t.Error("an unknown provider name resolved")
	}
	if !rt.TeamKnown("platform") || rt.TeamKnown("research") {
		t.Error("teams")
	}
}

// TestShippedConfigsAssemble: every valid config the repository ships or tests with
// assembles (what FuzzParse checked of config.Compile before providers moved here).
func TestShippedConfigsAssemble(t *testing.T) {
	isolateAWS(t)
	files, _ := filepath.Glob("../../extproc/testdata/*.yaml")
	files = append(files, "../../examples/tollgate.yaml", "../../deploy/tollgate.yaml", "../../check/testdata/cloud.yaml")
	every := func(string) (string, bool) { return strings.Repeat("ab", 32), true }
	assembled := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		l, err := config.Parse(f, data, every)
		if err != nil {
			continue // a fixture that is invalid on purpose
		}
		if _, err := NewAssembler(provider.Deps{}).Assemble(l, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		assembled++
	}
	if assembled < 5 {
		t.Errorf("only %d configs assembled", assembled)
	}
}

// isolateAWS keeps the AWS default chain away from the machine's own configuration.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestProviderConfigBetas: a provider's anthropic_betas reach its provider.Config as
// comma-separated lists (Config stays comparable, so an unchanged provider is reused).
func TestProviderConfigBetas(t *testing.T) {
	c := providerConfig(config.Provider{Name: "b", Type: "bedrock", Region: "r",
		AnthropicBetas: &config.AnthropicBetas{Allow: []string{"a-1", "b-2"}, Drop: []string{"c-3"}}})
	if c.BetasAllow != "a-1,b-2" || c.BetasDrop != "c-3" {
		t.Errorf("%+v", c)
	}
	if c != providerConfig(config.Provider{Name: "b", Type: "bedrock", Region: "r",
		AnthropicBetas: &config.AnthropicBetas{Allow: []string{"a-1", "b-2"}, Drop: []string{"c-3"}}}) {
		t.Error("the same settings must give an equal Config")
	}
}
