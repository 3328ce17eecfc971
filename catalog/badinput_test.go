package catalog

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runOne lists the catalog of an openai-type provider (named "bad") served by h, next to
// a healthy anthropic one, with limits l.
func runOne(t *testing.T, typ string, h http.HandlerFunc, l Limits) Report {
	t.Helper()
	bad := newFakeAPI(t, func(*http.Request, []byte) error { return nil }, map[string]http.HandlerFunc{"/v1/models": h, "/v1beta/models": h})
	good := newFakeAPI(t, header("x-api-key", "ant-key"), map[string]http.HandlerFunc{"/v1/models": anthropicPages([]string{"claude-x"}, 5)})
	cfg := fmt.Sprintf(`
providers:
  - {name: bad, type: %s, api_key: k, endpoint: %q}
  - {name: good, type: anthropic, api_key: ant-key, endpoint: %q}
models: [{match: "*", provider: good}]
`, typ, bad.URL, good.URL)
	path := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{Config: load(t, path), Limits: l})
	if err != nil {
		t.Fatal(err)
	}
	if g := r.Providers[1]; g.Error != "" || len(g.Models) != 1 {
		t.Errorf("the healthy provider did not report: %+v", g)
	}
	return r
}

// TestBadCatalogs: an answer that is not the catalog expected is that provider's error,
// named clearly, and ends its listing within bounds; the other provider still reports.
func TestBadCatalogs(t *testing.T) {
	manyIDs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("m-%d", i)
		}
		return out
	}
	tests := []struct {
		name   string
		typ    string
		limits Limits
		h      http.HandlerFunc
		want   string
	}{
		{"500", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":{"message":"upstream exploded"}}`, http.StatusInternalServerError)
		}, `/v1/models: HTTP 500: {"error":{"message":"upstream exploded"}}`},
		{"HTML", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Sign in\x1b[31m</body></html>")
		}, "answered HTML, not JSON (a proxy or login page?): <html><body>Sign in [31m</body></html>"},
		{"HTML without a content type", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "  <!doctype html><p>maintenance")
		}, "answered HTML, not JSON"},
		{"connection cut mid-body", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, `{"data":[{"id":"gpt`)
		}, "reading the answer: unexpected EOF (truncated)"},
		{"truncated JSON", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"data":[{"id":"gpt-5.1"},{"id":"gp`)
		}, "the answer is not the JSON expected (truncated or malformed, 35 bytes)"},
		{"repeated page token", "anthropic", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"data": objects([]string{"claude-a"}, "id"), "has_more": true, "last_id": "claude-a"})
		}, `the catalog repeated its page token "claude-a": a pagination loop; stopping`},
		{"has_more without a cursor", "anthropic", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"data": []any{}, "has_more": true})
		}, "has_more but names no last_id"},
		{"endless pages", "gemini", Limits{MaxPages: 5}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"models": objects([]string{"models/g-" + r.URL.Query().Get("pageToken")}, "name"),
				"nextPageToken": fmt.Sprint(time.Now().UnixNano())})
		}, "the catalog has more than 5 pages; stopping"},
		{"a page of 100k models", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"data": objects(manyIDs(100_000), "id")})
		}, "the catalog lists more than 10000 models; stopping"},
		{"a page over the byte bound", "openai", Limits{MaxBytes: 1000}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"data": objects(manyIDs(100), "id")})
		}, "the answer is larger than 1000 bytes; stopping"},
		{"an id that is no model name", "openai", Limits{}, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"data": objects([]string{"gpt-5.1", "evil\x1b[2J"}, "id")})
		}, `the catalog lists an id that is no model name: "evil\x1b[2J"`},
		{"slow", "openai", Limits{Timeout: 100 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, "context deadline exceeded (listing took longer than 100ms)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, tc.typ, tc.h, tc.limits)
			p := r.Providers[0]
			if p.Error == "" {
				t.Fatalf("no error; models %v", p.Models)
			}
			if !strings.Contains(p.Error, tc.want) {
				t.Errorf("error %q, want it to contain %q", p.Error, tc.want)
			}
			if len(p.Models) != 0 {
				t.Errorf("a failed catalog reports models: %v", p.Models)
			}
			if r.Failed() != 1 {
				t.Errorf("Failed() = %d", r.Failed())
			}
		})
	}
}

// TestMissingCredentials: a provider whose secret is not set, or whose cloud credentials
// cannot be found, has that as its error; the others report.
func TestMissingCredentials(t *testing.T) {
	good := newFakeAPI(t, header("x-api-key", "ant-key"), map[string]http.HandlerFunc{"/v1/models": anthropicPages([]string{"claude-x"}, 5)})
	dir := t.TempDir()
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(dir, "missing.json"))
	cfg := fmt.Sprintf(`
providers:
  - {name: openai, type: openai, api_key: "${CATALOG_TEST_UNSET_KEY}"}
  - {name: azure, type: azure_openai, api_key: k, api_version: v1}
  - {name: vertex, type: vertex, project: p, region: global, endpoint: %q}
  - {name: good, type: anthropic, api_key: ant-key, endpoint: %q}
models: [{match: "*", provider: good}]
`, good.URL, good.URL)
	path := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{Config: load(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{
		"credentials missing: api_key: environment variable CATALOG_TEST_UNSET_KEY is not set",
		"set the provider's endpoint (https://<resource>.openai.azure.com) to list its models",
		"credentials: google application default credentials:",
	} {
		if e := r.Providers[i].Error; !strings.Contains(e, want) {
			t.Errorf("%s: error %q, want %q", r.Providers[i].Name, e, want)
		}
	}
	if g := r.Providers[3]; g.Error != "" || len(g.Models) != 1 {
		t.Errorf("the provider with credentials did not report: %+v", g)
	}
	if r.Failed() != 3 {
		t.Errorf("Failed() = %d, want 3", r.Failed())
	}
}

// TestBedrockBadAnswers: the SDK path has the same bounds: an error status, HTML, a
// body over the bound.
func TestBedrockBadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		l    Limits
		want string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"message":"internal"}`)
		}, Limits{}, "ListFoundationModels: operation error Bedrock: ListFoundationModels, https response error StatusCode: 500"},
		{"HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<html>captive portal</html>")
		}, Limits{}, "HTTP 200: answered HTML, not JSON (a proxy or login page?): <html>captive portal</html>"},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"modelSummaries":[%s{"modelId":"x"}]}`, strings.Repeat(`{"modelId":"anthropic.claude-x"},`, 100))
		}, Limits{MaxBytes: 500}, "the answer is larger than 500 bytes; stopping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakeBedrock(t, "us-west-2", nil, nil)
			f.Config.Handler = tc.h
			cfg := "providers: [{name: b, type: bedrock, region: us-west-2}]\nmodels: [{match: \"*\", provider: b}]\n"
			path := filepath.Join(t.TempDir(), "t.yaml")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Run(context.Background(), Options{Config: load(t, path), Limits: tc.l})
			if err != nil {
				t.Fatal(err)
			}
			if e := r.Providers[0].Error; !strings.Contains(e, tc.want) {
				t.Errorf("error %q, want %q", e, tc.want)
			}
		})
	}
}

// TestUnknownProvider: -provider naming no provider is an error naming the ones there are.
func TestUnknownProvider(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(path, []byte("providers: [{name: a, type: anthropic, api_key: k}, {name: o, type: openai, api_key: k}]\nmodels: [{match: \"*\", provider: a}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Options{Config: load(t, path), Provider: "nope"})
	if err == nil || !strings.Contains(err.Error(), `-provider "nope" names no provider of `+path+" (its providers: a, o)") {
		t.Errorf("err = %v", err)
	}
}

// TestNoRedirect: a catalog that redirects is an error, and the key never reaches the
// other host.
func TestNoRedirect(t *testing.T) {
	other := newFakeAPI(t, func(r *http.Request, _ []byte) error {
		if r.Header.Get("authorization") != "" {
			t.Errorf("the key followed the redirect")
		}
		return nil
	}, map[string]http.HandlerFunc{"/v1/models": func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]any{"data": []any{}}) }})
	r := runOne(t, "openai", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1/models", http.StatusFound)
	}, Limits{})
	if e := r.Providers[0].Error; !strings.Contains(e, "redirected to "+other.URL+"/v1/models: not followed") {
		t.Errorf("error %q", e)
	}
	if len(other.log()) != 0 {
		t.Errorf("the other host was asked: %v", other.log())
	}
}
