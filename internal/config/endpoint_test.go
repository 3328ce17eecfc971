package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEndpointURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"https://my-resource.openai.azure.com", "https://my-resource.openai.azure.com"},
		{"http://mock:8080/", "http://mock:8080"},
		{"https://proxy.example/anthropic//", "https://proxy.example/anthropic"},
		{"not a url", ""},
	} {
		p := Provider{Endpoint: tc.in}
		got := ""
		if u := p.EndpointURL(); u != nil {
			got = u.String()
		}
		if got != tc.want {
			t.Errorf("EndpointURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestUnsetFields: a ${VAR} that is not set names its field and variable in Loaded.Unset,
// so a command loading with LoadFileIgnoringUnset can tell which provider lacks a secret.
func TestUnsetFields(t *testing.T) {
	src := `
providers:
  - name: anthropic
    type: anthropic
    api_key: ${TOLLGATE_TEST_UNSET_A}
  - name: openai
    type: openai
    api_key: ${TOLLGATE_TEST_SET}
    endpoint: ${TOLLGATE_TEST_UNSET_B}
models:
  - match: "*"
    provider: openai
`
	path := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOLLGATE_TEST_SET", "k")
	l, err := LoadFileIgnoringUnset(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"providers[0].api_key": "TOLLGATE_TEST_UNSET_A", "providers[1].endpoint": "TOLLGATE_TEST_UNSET_B"}
	if len(l.Unset) != len(want) {
		t.Fatalf("Unset = %v, want %v", l.Unset, want)
	}
	for k, v := range want {
		if l.Unset[k] != v {
			t.Errorf("Unset[%s] = %q, want %q", k, l.Unset[k], v)
		}
	}
}
