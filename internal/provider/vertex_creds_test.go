package provider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// vertexFakeTokenEndpoint is Google's OAuth token endpoint for a service account: it
// checks the signed JWT assertion and hands out a new access token on every call.
type vertexFakeTokenEndpoint struct {
	t        *testing.T
	pub      *rsa.PublicKey
	lifetime int // expires_in seconds
	fail     bool
	mu       sync.Mutex
	issued   int
	url      string
}

func (f *vertexFakeTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.fail {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	if err := f.checkAssertion(r.Form.Get("assertion")); err != nil {
		f.t.Errorf("token endpoint: %v", err)
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.issued++
	n := f.issued
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"ya29.token-%d","token_type":"Bearer","expires_in":%d}`, n, f.lifetime)
}

func (f *vertexFakeTokenEndpoint) checkAssertion(jwt string) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return fmt.Errorf("assertion is not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(f.pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("JWT signature: %w", err)
	}
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return err
	}
	c := gjson.ParseBytes(claims)
	if c.Get("iss").Str != "tollgate@my-proj.iam.gserviceaccount.com" || c.Get("aud").Str != f.url ||
		c.Get("scope").Str != "https://www.googleapis.com/auth/cloud-platform" {
		return fmt.Errorf("unexpected claims %s", claims)
	}
	return nil
}

func (f *vertexFakeTokenEndpoint) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

var vertexKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// vertexServiceAccount writes a service-account key file whose token_uri is tokenURL and
// points GOOGLE_APPLICATION_CREDENTIALS at it.
func vertexServiceAccount(t *testing.T, tokenURL string) *rsa.PublicKey {
	t.Helper()
	key, err := vertexKey()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-proj", "private_key_id": "key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "tollgate@my-proj.iam.gserviceaccount.com", "client_id": "1234",
		"token_uri": tokenURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	return &key.PublicKey
}

func newADCVertex(t *testing.T, deps Deps) Provider {
	t.Helper()
	p, err := New(Config{Name: "vertex-adc", Type: "vertex", Project: "my-proj", Region: "us-east5"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func vertexPrepare(p Provider) (Mutation, error) {
	return p.Prepare(context.Background(), &Request{
		API: api.AnthropicMessages, Body: []byte(`{"model":"c","max_tokens":1,"messages":[]}`), UpstreamModel: "claude-x@1",
	})
}

func TestVertexServiceAccountTokensCacheAndRotate(t *testing.T) {
	tests := []struct {
		name        string
		lifetime    int
		wantFetches int
		wantSecond  string
	}{
		{"long-lived token is reused", 3600, 1, "Bearer ya29.token-1"},
		{"expiring token rotates", 120, 2, "Bearer ya29.token-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := &vertexFakeTokenEndpoint{t: t, lifetime: tc.lifetime}
			srv := httptest.NewServer(ep)
			defer srv.Close()
			ep.url = srv.URL + "/token"
			ep.pub = vertexServiceAccount(t, ep.url)
			p := newADCVertex(t, Deps{CredentialTimeout: 10 * time.Second})

			m1, err := vertexPrepare(p)
			if err != nil {
				t.Fatal(err)
			}
			m2, err := vertexPrepare(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := bedrockHeader(m1, "authorization"); got != "Bearer ya29.token-1" {
				t.Fatalf("first authorization = %q", got)
			}
			if got := bedrockHeader(m2, "authorization"); got != tc.wantSecond {
				t.Fatalf("second authorization = %q, want %q", got, tc.wantSecond)
			}
			if got := ep.count(); got != tc.wantFetches {
				t.Fatalf("token fetches = %d, want %d", got, tc.wantFetches)
			}
		})
	}
}

func TestVertexCredentialsUnavailable(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	failing := httptest.NewServer(&vertexFakeTokenEndpoint{t: t, fail: true})
	defer failing.Close()

	tests := []struct {
		name  string
		setup func(t *testing.T)
	}{
		{"token endpoint fails", func(t *testing.T) { vertexServiceAccount(t, failing.URL+"/token") }},
		{"token endpoint hangs", func(t *testing.T) { vertexServiceAccount(t, slow.URL+"/token") }},
		{"no credentials file", func(t *testing.T) {
			t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			var failed []string
			p := newADCVertex(t, Deps{
				CredentialTimeout: 300 * time.Millisecond,
				OnCredentialError: func(name string) { failed = append(failed, name) },
			})
			_, err := vertexPrepare(p)
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable ||
				!strings.Contains(ae.Message, `credentials for provider "vertex-adc" are unavailable`) {
				t.Fatalf("err = %v, want a 503 naming the provider", err)
			}
			if len(failed) != 1 || failed[0] != "vertex-adc" {
				t.Fatalf("OnCredentialError calls = %q", failed)
			}
		})
	}
}
