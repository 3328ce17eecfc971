package catalog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/tollgate/tollgate/internal/config"
)

func sampleReport() Report {
	msg := "GET https://api.openai.com/v1/models: HTTP 500:\n upstream down"
	return Report{Providers: []Provider{
		{Name: "anthropic", Type: "anthropic", Models: []Model{
			{ID: "claude-nextgen-9", Route: RouteGlob, ClientModel: "claude-nextgen-9", Rule: "claude-*"},
			{ID: "claude-opus-4-1-20250805", Route: RouteExact, ClientModel: "claude-opus-4-1-20250805", Rule: "claude-opus-4-1-20250805", Priced: true},
		}},
		{Name: "bedrock-tokyo", Type: "bedrock", Models: []Model{
			{ID: "global.anthropic.claude-opus-4-5-20251101-v1:0", Route: RouteNone, Priced: true},
			{ID: "jp.anthropic.claude-next-v1:0", Route: RouteNone},
		}},
		{Name: "openai", Type: "openai", Error: msg, Models: []Model{}},
	}}
}

// TestJSONShape: exactly {"providers":[{"name","type","error","models":[{"id","route",
// "client_model","rule","priced"}]}]}, every key present, error "" when fetched.
func TestJSONShape(t *testing.T) {
	var doc struct {
		Providers []map[string]json.RawMessage `json:"providers"`
	}
	raw := sampleReport().JSON()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	_ = json.Unmarshal(raw, &top)
	if len(top) != 1 || len(doc.Providers) != 3 {
		t.Fatalf("top-level keys %v, providers %d", top, len(doc.Providers))
	}
	for _, p := range doc.Providers {
		if keys(p) != "error,models,name,type" {
			t.Errorf("provider keys %s", keys(p))
		}
		var models []map[string]json.RawMessage
		_ = json.Unmarshal(p["models"], &models)
		for _, m := range models {
			if keys(m) != "client_model,id,priced,route,rule" {
				t.Errorf("model keys %s", keys(m))
			}
		}
	}
	if string(doc.Providers[0]["error"]) != `""` || string(doc.Providers[2]["models"]) != "[]" {
		t.Errorf("error %s, failed models %s", doc.Providers[0]["error"], doc.Providers[2]["models"])
	}
}

func keys(m map[string]json.RawMessage) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks { // tiny insertion sort, keeps the imports small
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return strings.Join(ks, ",")
}

// TestYAMLPastes: the YAML is a models: list that, pasted into the config, routes every
// model that had no rule (as an exact rule), and names the failed catalog in a comment.
func TestYAMLPastes(t *testing.T) {
	out := string(sampleReport().YAML())
	var doc struct {
		Models []config.ModelRule `yaml:"models"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(out), &doc, yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Models) != 2 || doc.Models[0].Match != "global.anthropic.claude-opus-4-5-20251101-v1:0" || doc.Models[1].Provider != "bedrock-tokyo" {
		t.Fatalf("rules %+v\n%s", doc.Models, out)
	}
	for _, want := range []string{
		"# openai (openai): catalog not fetched: GET https://api.openai.com/v1/models: HTTP 500: upstream down\n",
		"# no price for it on bedrock yet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("YAML lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "# no price") != 1 {
		t.Errorf("want one unpriced comment (the priced model has none):\n%s", out)
	}
	// Pasted into a config, the rules route those ids exactly.
	cfg := "providers: [{name: bedrock-tokyo, type: bedrock, region: ap-northeast-1}]\n" + out[strings.Index(out, "\nmodels:")+1:]
	l, err := config.Parse("pasted.yaml", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	c, err := newClassifier(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Models {
		if m := c.classify(r.Provider, r.Match); m.Route != RouteExact {
			t.Errorf("%s after pasting: %+v", r.Match, m)
		}
	}
	empty := string(Report{Providers: []Provider{{Name: "a", Type: "anthropic", Models: []Model{{ID: "x", Route: RouteExact}}}}}.YAML())
	if !strings.Contains(empty, "models: []") {
		t.Errorf("nothing to add: %s", empty)
	}
}

func TestText(t *testing.T) {
	out := string(sampleReport().Text())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != "PROVIDER TYPE MODEL ROUTE CLIENT_MODEL RULE PRICED" {
		t.Errorf("header %q", lines[0])
	}
	if f := strings.Fields(lines[3]); strings.Join(f, " ") != "bedrock-tokyo bedrock global.anthropic.claude-opus-4-5-20251101-v1:0 none - - yes" {
		t.Errorf("row %q", lines[3])
	}
	if !strings.Contains(out, "error: openai (openai): GET https://api.openai.com/v1/models: HTTP 500: upstream down\n") ||
		!strings.HasSuffix(out, "4 models listed by 2 of 3 providers, 2 routed by no rule\n") {
		t.Errorf("text:\n%s", out)
	}
}

// TestYAMLTakenNames: a model whose id a rule (or a rule suggested above) already routes
// elsewhere is suggested commented out, with the reason; pasting the YAML changes no
// route the config has.
func TestYAMLTakenNames(t *testing.T) {
	l, err := config.Parse("t.yaml", []byte(`
providers:
  - {name: bedrock, type: bedrock, region: us-east-1}
  - {name: anthropic, type: anthropic, api_key: k}
  - {name: vertex, type: vertex, project: p, region: global}
models:
  - match: claude-x
    provider: bedrock
    upstream_model: us.anthropic.claude-x-v1:0
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cls, err := newClassifier(l)
	if err != nil {
		t.Fatal(err)
	}
	r := Report{cls: cls, Providers: []Provider{
		{Name: "anthropic", Type: "anthropic", Models: []Model{{ID: "claude-x", Route: RouteNone, Priced: true}, {ID: "claude-y", Route: RouteNone, Priced: true}}},
		{Name: "vertex", Type: "vertex", Models: []Model{{ID: "claude-y", Route: RouteNone, Priced: true}}},
	}}
	out := string(r.YAML())
	want := `models:
  # rule "claude-x" already sends claude-x to bedrock as us.anthropic.claude-x-v1:0: choose another client name, and upstream_model: "claude-x"
  # - match: "claude-x"
  #   provider: "anthropic"
  - match: "claude-y"
    provider: "anthropic"
  # the rule suggested above sends claude-y to anthropic: choose another client name, and upstream_model: "claude-y"
  # - match: "claude-y"
  #   provider: "vertex"
`
	if !strings.HasSuffix(out, want) {
		t.Errorf("YAML:\n%s\nwant it to end with:\n%s", out, want)
	}
	var doc struct {
		Models []config.ModelRule `yaml:"models"`
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil || len(doc.Models) != 1 || doc.Models[0].Match != "claude-y" {
		t.Errorf("rules %+v, %v", doc.Models, err)
	}
}
