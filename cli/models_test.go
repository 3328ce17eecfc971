package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modelsConfig is a config with an anthropic provider served by h and an openai one
// whose key is the unset ${MODELS_TEST_UNSET}.
func modelsConfig(t *testing.T, h http.HandlerFunc, withOpenAI bool) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := fmt.Sprintf("providers:\n  - {name: anthropic, type: anthropic, api_key: k, endpoint: %q}\n", srv.URL)
	if withOpenAI {
		cfg += "  - {name: openai, type: openai, api_key: \"${MODELS_TEST_UNSET}\"}\n"
	}
	cfg += "models:\n  - {match: \"claude-*\", provider: anthropic}\n"
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func anthropicModels(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("x-api-key") != "k" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"data":[{"id":"claude-x"},{"id":"o-not-claude"}],"has_more":false}`)
}

// TestModelsCommand: exit 0 when every catalog was fetched, 1 when one was not (the rest
// still printed, whole), 2 on bad usage.
func TestModelsCommand(t *testing.T) {
	good := modelsConfig(t, anthropicModels, false)
	mixed := modelsConfig(t, anthropicModels, true)
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"models"}, 2, "-config is required"},
		{[]string{"models", "-config", good, "-o", "xml"}, 2, "-o must be text, json or yaml"},
		{[]string{"models", "-config", good, "-provider", "nope"}, 2, `-provider "nope" names no provider of ` + good + " (its providers: anthropic)"},
		{[]string{"models", "-config", "../internal/config/testdata/invalid-many.yaml"}, 1, "duplicate provider name"},
		{[]string{"models", "-config", good}, 0, "2 models listed by 1 of 1 providers, 1 routed by no rule"},
		{[]string{"models", "-config", good, "-o", "yaml"}, 0, "  - match: \"o-not-claude\"\n    provider: \"anthropic\"\n"},
		{[]string{"models", "-config", mixed}, 1, "error: openai (openai): credentials missing: api_key: environment variable MODELS_TEST_UNSET is not set"},
		{[]string{"models", "-config", mixed, "-provider", "anthropic"}, 0, "claude-x"},
	} {
		code, out, errs := run(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.contains) {
			t.Errorf("%v: exit %d (want %d), output %q lacks %q", tc.args[1:], code, tc.code, out+errs, tc.contains)
		}
	}
	code, out, errs := run("models", "-config", mixed, "-o", "json")
	var r struct {
		Providers []struct {
			Name   string `json:"name"`
			Error  string `json:"error"`
			Models []struct {
				ID    string `json:"id"`
				Route string `json:"route"`
			} `json:"models"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if code != 1 || len(r.Providers) != 2 || r.Providers[0].Error != "" || len(r.Providers[0].Models) != 2 ||
		r.Providers[1].Error == "" || !strings.Contains(errs, "1 of 2 provider catalogs could not be fetched") {
		t.Errorf("exit %d, report %+v, stderr %s", code, r, errs)
	}
}
