package catalog

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tollgate/tollgate/internal/awstest"
	"github.com/tollgate/tollgate/mock"
)

// fakeAPI is one provider's catalog on 127.0.0.1. Every request must pass auth (the
// provider's credential, checked as the provider would); routes answer by path.
type fakeAPI struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // path?query of every authorised request
	refused  []string
}

func newFakeAPI(t *testing.T, auth func(r *http.Request, body []byte) error, routes map[string]http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{Server: httptest.NewUnstartedServer(nil)}
	f.Start()
	f.serve(t, auth, routes)
	return f
}

// newFakeTLSAPI is newFakeAPI over HTTPS (its Client trusts it).
func newFakeTLSAPI(t *testing.T, auth func(r *http.Request, body []byte) error, routes map[string]http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{Server: httptest.NewUnstartedServer(nil)}
	f.StartTLS()
	f.serve(t, auth, routes)
	return f
}

func (f *fakeAPI) serve(t *testing.T, auth func(r *http.Request, body []byte) error, routes map[string]http.HandlerFunc) {
	f.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := auth(r, body); err != nil {
			f.mu.Lock()
			f.refused = append(f.refused, err.Error())
			f.mu.Unlock()
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.RequestURI())
		f.mu.Unlock()
		h, ok := routes[r.URL.Path]
		if !ok {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		h(w, r)
	})
	t.Cleanup(f.Close)
}

// check fails t when a request was refused or none was made.
func (f *fakeAPI) check(t *testing.T, name string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.refused {
		t.Errorf("%s refused a request: %s", name, r)
	}
	if len(f.requests) == 0 {
		t.Errorf("%s got no authorised request", name)
	}
}

func (f *fakeAPI) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// header is an auth that wants one header value.
func header(name, want string) func(*http.Request, []byte) error {
	return func(r *http.Request, _ []byte) error {
		if got := r.Header.Get(name); got != want {
			return fmt.Errorf("%s %q, want the provider's credential", name, got)
		}
		return nil
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// pages serves ids in pages of size, the page chosen by the query parameter param
// (the page's index as a string, "" for the first), answered by render(page, next)
// where next is the next page's token ("" on the last page).
func pages(ids []string, size int, param string, render func(page []string, next string) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := 0
		if tok := r.URL.Query().Get(param); tok != "" {
			fmt.Sscanf(tok, "page-%d", &i)
		}
		start, end := i*size, min((i+1)*size, len(ids))
		next := ""
		if end < len(ids) {
			next = fmt.Sprintf("page-%d", i+1)
		}
		writeJSON(w, render(ids[start:end], next))
	}
}

func objects(ids []string, key string) []map[string]string {
	out := []map[string]string{}
	for _, id := range ids {
		out = append(out, map[string]string{key: id})
	}
	return out
}

// The AWS credentials the Bedrock fake verifies signatures with.
var awsCreds = aws.Credentials{AccessKeyID: "AKIDCATALOG", SecretAccessKey: "catalog-secret", SessionToken: "catalog-session"}

// fakeBedrock is Bedrock's control plane: it verifies each request's SigV4 signature
// (service bedrock, region) with the AWS SDK's signer, and serves ListFoundationModels
// and ListInferenceProfiles (pages of 2 by nextToken). It points the AWS default chain
// and AWS_ENDPOINT_URL_BEDROCK at itself and nothing else.
func fakeBedrock(t *testing.T, region string, models, profiles []string) *fakeAPI {
	f := newFakeAPI(t, func(r *http.Request, body []byte) error {
		return awstest.VerifySigV4(r, body, awsCreds, "bedrock", region)
	}, map[string]http.HandlerFunc{
		"/foundation-models": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"modelSummaries": objects(models, "modelId")})
		},
		"/inference-profiles": pages(profiles, 2, "nextToken", func(p []string, next string) any {
			out := map[string]any{"inferenceProfileSummaries": objects(p, "inferenceProfileId")}
			if next != "" {
				out["nextToken"] = next
			}
			return out
		}),
	})
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": awsCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": awsCreds.SecretAccessKey,
		"AWS_SESSION_TOKEN": awsCreds.SessionToken, "AWS_ENDPOINT_URL_BEDROCK": f.URL,
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_BEARER_TOKEN_BEDROCK": "",
	} {
		t.Setenv(k, v)
	}
	return f
}

var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// fakeGoogle points Google application default credentials at a service account whose
// token endpoint is a fake, and returns it: it checks the signed JWT and issues tokens.
func fakeGoogle(t *testing.T) *mock.TokenServer {
	t.Helper()
	key, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	ts := mock.NewTokenServer(key, "my-proj")
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	path, err := ts.WriteServiceAccount(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	t.Setenv("CLOUDSDK_CONFIG", dir) // never gcloud's own credentials
	return ts
}

// fakeVertex is Model Garden's publisher-model listing on Vertex AI: a bearer token ts
// issued, every version listed, pages of 2 by pageToken.
func fakeVertex(t *testing.T, ts *mock.TokenServer, anthropic, google [][2]string) *fakeAPI {
	auth := func(r *http.Request, _ []byte) error {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !ts.Issued(tok) {
			return fmt.Errorf("authorization is not a token the Google token endpoint issued")
		}
		if q := r.URL.Query(); q.Get("listAllVersions") != "true" || q.Get("view") != "PUBLISHER_MODEL_VERSION_VIEW_BASIC" {
			return fmt.Errorf("query %q does not ask for every version", r.URL.RawQuery)
		}
		return nil
	}
	publisher := func(pub string, models [][2]string) http.HandlerFunc {
		names := make([]string, len(models))
		for i, m := range models {
			names[i] = m[0] + "\x00" + m[1]
		}
		return pages(names, 2, "pageToken", func(p []string, next string) any {
			out := []map[string]string{}
			for _, nv := range p {
				name, version, _ := strings.Cut(nv, "\x00")
				out = append(out, map[string]string{"name": "publishers/" + pub + "/models/" + name, "versionId": version})
			}
			return map[string]any{"publisherModels": out, "nextPageToken": next}
		})
	}
	return newFakeAPI(t, auth, map[string]http.HandlerFunc{
		"/v1beta1/publishers/anthropic/models": publisher("anthropic", anthropic),
		"/v1beta1/publishers/google/models":    publisher("google", google),
	})
}
