package catalog

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/pricing"
)

// rules exercise every route: exact (with a template, and under another client name),
// glob (inverted templates, a glob shadowed by an earlier rule), none.
const rules = `
models:
  - match: claude-sonnet-4-5-20250929
    provider: bedrock-tokyo
    upstream_model: jp.anthropic.claude-sonnet-4-5-20250929-v1:0
  - match: "claude-haiku-*"
    provider: bedrock-tokyo
    upstream_model: "jp.anthropic.{model}-v1:0"
  - match: claude-opus-4-1@20250805
    provider: vertex
  - match: claude-opus-4-1-20250805
    provider: anthropic
  - match: "claude-*"
    provider: anthropic
  - match: gemini-2.5-pro
    provider: gemini
  - match: gpt-5.1-azure
    provider: azure-east
    upstream_model: gpt-5.1
    pricing_model: gpt-5.1
  - match: "*-mini"
    provider: azure-v1
  - match: "gpt-*"
    provider: openai
`

// stack is one fake catalog per provider type and the config that points at them.
type stack struct {
	fakes map[string]*fakeAPI
	path  string
}

func startStack(t *testing.T) *stack {
	t.Helper()
	ts := fakeGoogle(t)
	s := &stack{fakes: map[string]*fakeAPI{
		"anthropic": newFakeAPI(t, header("x-api-key", "ant-key"), map[string]http.HandlerFunc{
			"/v1/models": anthropicPages([]string{"claude-haiku-4-5-20251001", "claude-nextgen-9", "claude-opus-4-1-20250805", "claude-sonnet-4-5-20250929"}, 2),
		}),
		"openai": newFakeAPI(t, header("authorization", "Bearer oai-key"), map[string]http.HandlerFunc{
			"/v1/models": func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"object": "list", "data": objects([]string{"gpt-5.1", "o3", "gpt-5.1"}, "id")})
			},
		}),
		"gemini": newFakeAPI(t, header("x-goog-api-key", "gem-key"), map[string]http.HandlerFunc{
			"/v1beta/models": pages([]string{"models/gemini-2.5-pro", "models/gemini-2.5-flash", "models/text-embedding-004"}, 2, "pageToken",
				func(p []string, next string) any {
					return map[string]any{"models": objects(p, "name"), "nextPageToken": next}
				}),
		}),
		"azure-east": newFakeAPI(t, header("api-key", "az-key"), map[string]http.HandlerFunc{
			"/openai/models": func(w http.ResponseWriter, r *http.Request) {
				if v := r.URL.Query().Get("api-version"); v != "2025-04-01-preview" {
					http.Error(w, "api-version "+v, http.StatusBadRequest)
					return
				}
				writeJSON(w, map[string]any{"data": objects([]string{"gpt-5.1", "gpt-4o"}, "id")})
			},
		}),
		"azure-v1": newFakeAPI(t, header("api-key", "az1-key"), map[string]http.HandlerFunc{
			"/openai/v1/models": func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, map[string]any{"object": "list", "data": objects([]string{"gpt-4.1-mini"}, "id")})
			},
		}),
		"bedrock-tokyo": fakeBedrock(t, "ap-northeast-1",
			[]string{"anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"},
			[]string{"jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "jp.anthropic.claude-haiku-4-5-20251001-v1:0", "global.anthropic.claude-opus-4-5-20251101-v1:0"}),
		"vertex": fakeVertex(t, ts,
			[][2]string{{"claude-opus-4-1", "20250805"}, {"claude-sonnet-4-5", "20250929"}, {"claude-haiku-4-5", "default"}},
			[][2]string{{"gemini-2.5-pro", "001"}}),
	}}
	cfg := `
providers:
  - {name: anthropic, type: anthropic, api_key: ant-key, endpoint: "` + s.fakes["anthropic"].URL + `"}
  - {name: openai, type: openai, api_key: "${CATALOG_TEST_OPENAI_KEY}", endpoint: "` + s.fakes["openai"].URL + `/"}
  - {name: gemini, type: gemini, api_key: gem-key, endpoint: "` + s.fakes["gemini"].URL + `"}
  - {name: azure-east, type: azure_openai, api_key: az-key, api_version: 2025-04-01-preview, endpoint: "` + s.fakes["azure-east"].URL + `"}
  - {name: azure-v1, type: azure_openai, api_key: az1-key, api_version: v1, endpoint: "` + s.fakes["azure-v1"].URL + `"}
  - {name: bedrock-tokyo, type: bedrock, region: ap-northeast-1}
  - {name: vertex, type: vertex, project: my-proj, region: us-east5, endpoint: "` + s.fakes["vertex"].URL + `"}
` + rules
	s.path = filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(s.path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// anthropicPages serves Anthropic's list: limit, after_id, has_more, last_id.
func anthropicPages(ids []string, size int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := 0
		if after := r.URL.Query().Get("after_id"); after != "" {
			for i, id := range ids {
				if id == after {
					start = i + 1
				}
			}
		}
		end := min(start+size, len(ids))
		page := ids[start:end]
		writeJSON(w, map[string]any{"data": objects(page, "id"), "has_more": end < len(ids),
			"first_id": page[0], "last_id": page[len(page)-1]})
	}
}

func load(t *testing.T, path string) *config.Loaded {
	t.Helper()
	l, err := config.LoadFileIgnoringUnset(path)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func builtin(t *testing.T) *pricing.Table {
	t.Helper()
	tb, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestEveryProviderType lists every type's catalog from fakes that check its
// credentials (API keys as each provider takes them, AWS SigV4 verified with the SDK's
// signer, a Google OAuth token from application default credentials), follows every
// pagination, and classifies each model against the rules and the built-in prices.
func TestEveryProviderType(t *testing.T) {
	s := startStack(t)
	t.Setenv("CATALOG_TEST_OPENAI_KEY", "oai-key")
	r, err := Run(context.Background(), Options{Config: load(t, s.path), Prices: builtin(t)})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range s.fakes {
		f.check(t, name)
	}
	exact := func(id, client string, priced bool) Model { return Model{id, RouteExact, client, client, priced} }
	glob := func(id, client, rule string, priced bool) Model { return Model{id, RouteGlob, client, rule, priced} }
	none := func(id string, priced bool) Model { return Model{ID: id, Route: RouteNone, Priced: priced} }
	want := Report{Providers: []Provider{
		{Name: "anthropic", Type: "anthropic", Models: []Model{
			none("claude-haiku-4-5-20251001", true), // claude-haiku-* (Bedrock) takes that name first
			glob("claude-nextgen-9", "claude-nextgen-9", "claude-*", false),
			exact("claude-opus-4-1-20250805", "claude-opus-4-1-20250805", true),
			none("claude-sonnet-4-5-20250929", true), // its exact rule goes to Bedrock
		}},
		{Name: "openai", Type: "openai", Models: []Model{
			glob("gpt-5.1", "gpt-5.1", "gpt-*", true),
			none("o3", true),
		}},
		{Name: "gemini", Type: "gemini", Models: []Model{
			none("gemini-2.5-flash", true),
			exact("gemini-2.5-pro", "gemini-2.5-pro", true),
			none("text-embedding-004", false),
		}},
		{Name: "azure-east", Type: "azure_openai", Models: []Model{
			none("gpt-4o", true),
			exact("gpt-5.1", "gpt-5.1-azure", true),
		}},
		{Name: "azure-v1", Type: "azure_openai", Models: []Model{
			glob("gpt-4.1-mini", "gpt-4.1-mini", "*-mini", true),
		}},
		{Name: "bedrock-tokyo", Type: "bedrock", Models: []Model{
			none("anthropic.claude-haiku-4-5-20251001-v1:0", true),
			none("anthropic.claude-sonnet-4-5-20250929-v1:0", true),
			none("global.anthropic.claude-opus-4-5-20251101-v1:0", true),
			glob("jp.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001", "claude-haiku-*", true),
			exact("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929", true),
		}},
		{Name: "vertex", Type: "vertex", Models: []Model{
			none("claude-haiku-4-5", true), // a version that is no date: the name alone
			exact("claude-opus-4-1@20250805", "claude-opus-4-1@20250805", true),
			none("claude-sonnet-4-5@20250929", true),
			none("gemini-2.5-pro", true), // gemini-2.5-pro goes to the gemini provider
		}},
	}}
	if !reflect.DeepEqual(r.Providers, want.Providers) {
		got, _ := json.MarshalIndent(r, "", " ")
		t.Errorf("report:\n%s", got)
	}
	// Pagination followed each provider's own cursor.
	for name, wantLog := range map[string][]string{
		"anthropic": {"/v1/models?limit=1000", "/v1/models?after_id=claude-nextgen-9&limit=1000"},
		"gemini":    {"/v1beta/models?pageSize=1000", "/v1beta/models?pageSize=1000&pageToken=page-1"},
	} {
		if got := s.fakes[name].log(); !reflect.DeepEqual(got, wantLog) {
			t.Errorf("%s requests %q, want %q", name, got, wantLog)
		}
	}
	if got := s.fakes["bedrock-tokyo"].log(); len(got) != 3 || !strings.Contains(got[2], "nextToken=page-1") {
		t.Errorf("bedrock requests %q, want the models and two pages of profiles", got)
	}
}

// TestBedrockAPIKey: a Bedrock provider with an API key lists with it as a bearer token
// (over HTTPS only, as the SDK insists), not a SigV4 signature.
func TestBedrockAPIKey(t *testing.T) {
	fakeBedrock(t, "us-west-2", nil, nil) // the environment: AWS settings pointing at nothing real
	f := newFakeTLSAPI(t, header("authorization", "Bearer bedrock-api-key"), map[string]http.HandlerFunc{
		"/foundation-models": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"modelSummaries": objects([]string{"anthropic.claude-x-v1:0"}, "modelId")})
		},
		"/inference-profiles": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"inferenceProfileSummaries": []any{}})
		},
	})
	t.Setenv("AWS_ENDPOINT_URL_BEDROCK", f.URL)
	path := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(path, []byte("providers: [{name: b, type: bedrock, region: us-west-2, api_key: bedrock-api-key}]\nmodels: [{match: \"*\", provider: b}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{Config: load(t, path), Client: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, "bedrock")
	if p := r.Providers[0]; p.Error != "" || len(p.Models) != 1 || p.Models[0].ID != "anthropic.claude-x-v1:0" {
		t.Errorf("report %+v", p)
	}
}
