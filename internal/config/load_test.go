package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testLookup(name string) (string, bool) {
	if name == "TOLLGATE_TEST_SET" {
		return "set", true
	}
	if strings.HasPrefix(name, "TOLLGATE_TEST_UNSET") {
		return "", false
	}
	return os.LookupEnv(name)
}

// TestInvalidFixtures pairs every testdata/invalid-*.yaml with the exact error in its
// .err file.
func TestInvalidFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	if len(files) < 5 {
		t.Fatalf("only %d fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(f, data, testLookup)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != strings.TrimRight(string(want), "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestExpansionDefaultsAndEnvList(t *testing.T) {
	src := `
providers:
  - name: openai
    type: openai
    api_key: "${TOLLGATE_TEST_SET}-key"
models:
  - match: "gpt-*"
    provider: openai
`
	l, err := Parse("inline.yaml", []byte(src), testLookup)
	if err != nil {
		t.Fatal(err)
	}
	if l.Providers[0].APIKey != "set-key" {
		t.Errorf("api_key = %q", l.Providers[0].APIKey)
	}
	if strings.Join(l.EnvVars, ",") != "TOLLGATE_TEST_SET" {
		t.Errorf("EnvVars = %v", l.EnvVars)
	}
	if l.Listen != DefaultListen || l.Admin != DefaultAdmin || l.Pricing.Refresh != DefaultRefresh ||
		l.Limits.MaxRequestBody != DefaultMaxRequestBody || !*l.Server.ReloadEndpoint {
		t.Errorf("defaults not applied: %+v", l.File)
	}
	if l.Limits.MaxRequestBody < 20<<20 {
		t.Errorf("default body limit %d is below 20 MB", l.Limits.MaxRequestBody)
	}
}

func TestExampleConfigsLoad(t *testing.T) {
	env := map[string]string{"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o", "AZURE_OPENAI_API_KEY": "z",
		"GEMINI_API_KEY": "g", "VERTEX_PROJECT": "p", "ALICE_KEY_SHA256": strings.Repeat("ab", 32)}
	for _, f := range []string{"../../examples/tollgate.yaml", "../../deploy/tollgate.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f, data, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
