package extproc_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/keys"
)

// Static AWS credentials of the Bedrock provider, from the environment.
const (
	awsAccessKey    = "AKIDSECURITYTEST"
	awsSecretKey    = "aws-SECRET-static-key-0b9f1c"
	awsSessionToken = "aws-SECRET-session-token-77de02"
	googleToken     = "ya29.SECRET-google-access-token-5a1b"
	ecsAuthToken    = "ecs-SECRET-authorization-token-c3d4"
)

// fakeGoogleTokenEndpoint is a service account's OAuth token endpoint on 127.0.0.1: it
// hands out googleToken (or refuses every grant) and keeps the JWT assertions it got,
// which are credentials too.
type fakeGoogleTokenEndpoint struct {
	refuse     bool
	mu         sync.Mutex
	assertions []string
}

func (e *fakeGoogleTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	e.mu.Lock()
	e.assertions = append(e.assertions, r.Form.Get("assertion"))
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if e.refuse {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
		return
	}
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, googleToken)
}

func (e *fakeGoogleTokenEndpoint) secrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.assertions...)
}

var serviceAccountKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// googleServiceAccount writes a service-account key file whose token_uri is tokenURL,
// points GOOGLE_APPLICATION_CREDENTIALS at it, and returns the private key's secrets:
// its PEM lines.
func googleServiceAccount(t *testing.T, tokenURL string) []string {
	t.Helper()
	key, err := serviceAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	sa, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "my-proj", "private_key_id": "key-1", "private_key": pemKey,
		"client_email": "tollgate@my-proj.iam.gserviceaccount.com", "client_id": "1234", "token_uri": tokenURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	var lines []string
	for _, l := range strings.Split(pemKey, "\n") {
		if len(l) == 64 { // the base64 body lines
			lines = append(lines, l)
		}
	}
	return lines
}

// providerRequest is one full request (request, streamed response, end) to a provider.
type providerRequest struct {
	provider, path, model, contentType string
	// wantCredential is a prefix of the header that carries the provider's credential.
	credHeader, wantCredential string
}

var everyProvider = []providerRequest{
	{"anthropic", "/v1/messages", "claude-opus-4-7", "text/event-stream", "x-api-key", securityEnv["ANTHROPIC_KEY"]},
	{"openai", "/v1/chat/completions", "gpt-4.1", "text/event-stream", "authorization", "Bearer " + securityEnv["OPENAI_KEY"]},
	{"azure-east", "/v1/chat/completions", "gpt-via-azure", "text/event-stream", "api-key", securityEnv["AZURE_KEY"]},
	{"gemini", "/v1/chat/completions", "gemini-2.5-pro", "text/event-stream", "authorization", "Bearer " + securityEnv["GEMINI_KEY"]},
	{"bedrock", "/v1/messages", "claude-via-bedrock", "application/vnd.amazon.eventstream", "authorization", "AWS4-HMAC-SHA256 Credential=" + awsAccessKey + "/"},
	{"vertex", "/v1/messages", "claude-via-vertex", "text/event-stream", "authorization", "Bearer " + googleToken},
}

// fullRequest sends pr with the client's key in every header a key can travel in,
// streams a recorded response through, and returns the request mutation and the final
// metadata.
func fullRequest(t *testing.T, f *fixture, key string, pr providerRequest) (mutation, map[string]float64) {
	t.Helper()
	var resp []byte
	switch {
	case pr.provider == "bedrock":
		resp, _ = bedrockStream(t)
	case strings.HasPrefix(pr.path, "/v1/messages"):
		resp = []byte(anthropicStream)
	default:
		_, resp = fixtureNamed(t, "openai_chat_stream")
	}
	body := []byte(fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, pr.model))
	ex := f.open(t)
	defer ex.close()
	ex.send(post(pr.path, body, "x-api-key", key, "authorization", "Bearer "+key, "api-key", key, "x-goog-api-key", key))
	m := mutationOf(t, ex.send(requestBody(body)))
	ex.send(responseHeaders(false, ":status", "200", "content-type", pr.contentType))
	var md map[string]float64
	chunks := split(resp, 97)
	for i, c := range chunks {
		r := ex.send(responseBody(c, i == len(chunks)-1))
		if d := r.GetDynamicMetadata(); d != nil {
			md = map[string]float64{}
			for k, v := range d.Fields["tollgate"].GetStructValue().GetFields() {
				md[k] = v.GetNumberValue()
			}
		}
	}
	return m, md
}

// rejected runs a request that tollgate answers itself and returns the status.
func rejected(t *testing.T, f *fixture, key, path, model string) int {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"model":%q,"max_tokens":64,"messages":[]}`, model))
	ex := f.open(t)
	defer ex.close()
	resp := ex.send(post(path, body, "x-api-key", key))
	if resp.GetImmediateResponse() == nil {
		resp = ex.send(requestBody(body))
	}
	return int(immediateOf(t, resp).Status.Code)
}

func checkNoSecrets(t *testing.T, logs string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret in the list")
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %.12q… appears in the logs", s)
		}
	}
}

// TestSecretsNeverLogged captures the gateway's JSON logs at debug level through full
// requests to every provider type, a client with a wrong key, an upstream 401, and
// failing credential sources, and finds none of the secrets involved in them.
func TestSecretsNeverLogged(t *testing.T) {
	secrets := []string{securityClientKey, awsSecretKey, awsSessionToken, googleToken, ecsAuthToken}
	for _, v := range securityEnv {
		secrets = append(secrets, v)
	}
	const wrongKey = "tg-SECRET-wrong-key-9e8f"
	secrets = append(secrets, wrongKey)

	t.Run("working credentials", func(t *testing.T) {
		tokens := &fakeGoogleTokenEndpoint{}
		ts := httptest.NewServer(tokens)
		defer ts.Close()
		isolateCloud(t, "AWS_ACCESS_KEY_ID", awsAccessKey, "AWS_SECRET_ACCESS_KEY", awsSecretKey, "AWS_SESSION_TOKEN", awsSessionToken)
		keyLines := googleServiceAccount(t, ts.URL+"/token")
		logs := &syncBuffer{}
		f := newWiredFixture(t, logs)
		for _, pr := range everyProvider {
			m, md := fullRequest(t, f, securityClientKey, pr)
			if got := m.set["x-tollgate-provider"]; got != pr.provider {
				t.Fatalf("%s: routed to %q", pr.provider, got)
			}
			if !strings.HasPrefix(m.set[pr.credHeader], pr.wantCredential) {
				t.Errorf("%s: %s = %.20q…, want the provider's credential", pr.provider, pr.credHeader, m.set[pr.credHeader])
			}
			if md["input_tokens"] == 0 || md["output_tokens"] == 0 {
				t.Errorf("%s: response not metered: %v", pr.provider, md)
			}
		}
		if got := rejected(t, f, wrongKey, "/v1/messages", "claude-opus-4-7"); got != http.StatusUnauthorized {
			t.Errorf("wrong key: status %d", got)
		}
		// An upstream 401 (the provider refused tollgate's key).
		ex := f.open(t)
		body := []byte(`{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
		ex.send(post("/v1/messages", body, "x-api-key", securityClientKey))
		ex.send(requestBody(body))
		ex.send(responseHeaders(false, ":status", "401", "content-type", "application/json"))
		ex.close()

		out := logs.String()
		if n := strings.Count(out, `"msg":"request"`); n != len(everyProvider)+2 {
			t.Errorf("%d request log lines, want %d:\n%s", n, len(everyProvider)+2, out)
		}
		checkNoSecrets(t, out, append(append(secrets, keyLines...), tokens.secrets()...))
	})

	t.Run("failing credentials", func(t *testing.T) {
		tokens := &fakeGoogleTokenEndpoint{refuse: true}
		ts := httptest.NewServer(tokens)
		defer ts.Close()
		ecs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != ecsAuthToken {
				t.Errorf("ECS endpoint got authorization %.8q…", r.Header.Get("Authorization"))
			}
			http.Error(w, `{"code":"AccessDenied","message":"denied"}`, http.StatusForbidden)
		}))
		defer ecs.Close()
		isolateCloud(t, "AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.URL+"/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN", ecsAuthToken)
		keyLines := googleServiceAccount(t, ts.URL+"/token")
		logs := &syncBuffer{}
		f := newWiredFixture(t, logs)
		for _, model := range []string{"claude-via-bedrock", "claude-via-vertex"} {
			if got := rejected(t, f, securityClientKey, "/v1/messages", model); got != http.StatusServiceUnavailable {
				t.Errorf("%s: status %d, want 503", model, got)
			}
		}
		out := logs.String()
		if n := strings.Count(out, "credentials unavailable"); n != 2 {
			t.Errorf("%d credential warnings, want 2:\n%s", n, out)
		}
		if len(tokens.secrets()) == 0 {
			t.Error("the token endpoint was never asked")
		}
		checkNoSecrets(t, out, append(append(secrets, keyLines...), tokens.secrets()...))
	})
}

// TestClientKeyNeverReachesAProvider: whichever header the client's key came in, every
// provider type's request removes it or overwrites it with the provider's credential,
// and nothing tollgate sets upstream carries it.
func TestClientKeyNeverReachesAProvider(t *testing.T) {
	tokens := &fakeGoogleTokenEndpoint{}
	ts := httptest.NewServer(tokens)
	defer ts.Close()
	isolateCloud(t, "AWS_ACCESS_KEY_ID", awsAccessKey, "AWS_SECRET_ACCESS_KEY", awsSecretKey)
	googleServiceAccount(t, ts.URL+"/token")
	f := newWiredFixture(t, &syncBuffer{})
	for _, pr := range everyProvider {
		t.Run(pr.provider, func(t *testing.T) {
			m, _ := fullRequest(t, f, securityClientKey, pr)
			for _, h := range keys.CredentialHeaders {
				if _, set := m.set[h]; !set && !m.removed[h] {
					t.Errorf("client header %s neither removed nor overwritten", h)
				}
			}
			for k, v := range m.set {
				if strings.Contains(v, securityClientKey) {
					t.Errorf("header %s carries the client's key", k)
				}
			}
			if strings.Contains(string(m.body), securityClientKey) {
				t.Error("the body carries the client's key")
			}
		})
	}
}

// TestClientKeysOnlyAsSHA256: the config format has no field for a plaintext client
// key, and a plaintext key where the digest belongs is refused, in both cases without
// repeating the key in the error.
func TestClientKeysOnlyAsSHA256(t *testing.T) {
	tests := []struct{ file, secret, want string }{
		{"testdata/security-plaintext-key.yaml", "tg-plaintext-client-key-1", `unknown field "key"`},
		{"testdata/security-key-not-hashed.yaml", "tg-plaintext-client-key-2", "key_sha256 must be 64 hex digits"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tc.secret) {
				t.Fatalf("%s does not hold %s", tc.file, tc.secret)
			}
			_, err = config.Parse(tc.file, data, func(string) (string, bool) { return "", false })
			if err == nil {
				t.Fatal("config with a plaintext client key accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error repeats the key: %q", err)
			}
		})
	}
}
