package mock

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// VertexAnthropicVersion is the body's anthropic_version for Claude on Vertex AI.
const VertexAnthropicVersion = "vertex-2023-10-16"

// VertexOptions configure a fake Vertex AI endpoint for Anthropic models.
type VertexOptions struct {
	Name string
	// Host is the Host every request must carry (aiplatform.googleapis.com for the
	// global region, {region}-aiplatform.googleapis.com otherwise).
	Host, Project, Region string
	// Models are the publisher model ids served (claude-opus-4-1@20250805).
	Models []string
	// Tokens is the OAuth token server whose access tokens are accepted.
	Tokens *TokenServer
	// RawPredict answers :rawPredict, StreamRawPredict :streamRawPredict (SSE) and
	// CountTokens models/count-tokens:rawPredict.
	RawPredict, StreamRawPredict, CountTokens *Fixture
	// ClientKeys, Chunk, Pace and Logger are as in ProviderOptions.
	ClientKeys []string
	Chunk      int
	Pace       time.Duration
	Logger     *slog.Logger
}

// Vertex is a running fake Vertex AI endpoint. It accepts only a bearer token its token
// server issued, the paths /v1/projects/{project}/locations/{region}/publishers/
// anthropic/models/{model}:rawPredict|:streamRawPredict and models/count-tokens:rawPredict,
// and bodies with anthropic_version vertex-2023-10-16 (no model, except count-tokens
// which names it). A failed check is a 401 and a recorded failure.
type Vertex struct {
	*Provider
	opts VertexOptions
}

// NewVertex starts a fake Vertex AI endpoint on 127.0.0.1.
func NewVertex(o VertexOptions) *Vertex {
	v := &Vertex{opts: o}
	routes := map[string]Route{}
	base := v.base()
	for _, m := range o.Models {
		routes[base+m+":rawPredict"] = Route{JSON: o.RawPredict}
		routes[base+m+":streamRawPredict"] = Route{Stream: o.StreamRawPredict, AlwaysStream: true}
	}
	routes[base+"count-tokens:rawPredict"] = Route{JSON: o.CountTokens}
	v.Provider = NewProvider(ProviderOptions{Name: o.Name, Auth: v.checkRequest, ClientKeys: o.ClientKeys,
		Routes: routes, Chunk: o.Chunk, Pace: o.Pace, Logger: o.Logger})
	return v
}

func (v *Vertex) base() string {
	return "/v1/projects/" + v.opts.Project + "/locations/" + v.opts.Region + "/publishers/anthropic/models/"
}

// checkRequest is the Auth of the Provider.
func (v *Vertex) checkRequest(r *http.Request, body []byte) error {
	if r.Host != v.opts.Host {
		return fmt.Errorf("Host %q, want %q", r.Host, v.opts.Host)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || v.opts.Tokens == nil || !v.opts.Tokens.Issued(tok) {
		return fmt.Errorf("authorization %q is not a token the token server issued", redact(r.Header.Get("Authorization")))
	}
	for _, h := range []string{"x-api-key", "api-key", "x-tollgate-provider"} {
		if r.Header.Get(h) != "" {
			return fmt.Errorf("header %s must not reach Vertex AI", h)
		}
	}
	if r.Method != http.MethodPost {
		return fmt.Errorf("method %s", r.Method)
	}
	if !gjson.ValidBytes(body) {
		return fmt.Errorf("body is not JSON")
	}
	if got := gjson.GetBytes(body, "anthropic_version").Str; got != VertexAnthropicVersion {
		return fmt.Errorf("anthropic_version %q, want %q", got, VertexAnthropicVersion)
	}
	model := gjson.GetBytes(body, "model")
	stream := gjson.GetBytes(body, "stream").Bool()
	switch op := r.URL.Path[strings.LastIndexByte(r.URL.Path, ':')+1:]; {
	case strings.HasSuffix(r.URL.Path, "/count-tokens:rawPredict"):
		if !v.serves(model.Str) {
			return fmt.Errorf("count-tokens body names model %q, not one served here", model.Str)
		}
	case model.Exists():
		return fmt.Errorf("body has \"model\" (the path carries it)")
	case op == "streamRawPredict" && !stream:
		return fmt.Errorf("streamRawPredict without \"stream\": true")
	case op == "rawPredict" && stream:
		return fmt.Errorf("rawPredict with \"stream\": true")
	}
	return nil
}

func (v *Vertex) serves(model string) bool { return slices.Contains(v.opts.Models, model) }

// Google OAuth constants of the service-account (JWT bearer) flow.
const (
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	cloudPlatform  = "https://www.googleapis.com/auth/cloud-platform"
	saKeyID        = "e2e-key-1"
)

// TokenServer is a fake Google OAuth token endpoint for one service account: it checks
// the RS256 JWT assertion (signature with the account's public key, iss, aud, scope,
// exp) and issues random access tokens, which Vertex then accepts.
type TokenServer struct {
	*httptest.Server
	key            *rsa.PrivateKey
	Email, Project string

	mu       sync.Mutex
	issued   map[string]bool
	failures []string
}

// NewTokenServer starts a token server on 127.0.0.1 for a service account with key.
func NewTokenServer(key *rsa.PrivateKey, project string) *TokenServer {
	s := &TokenServer{key: key, Project: project, Email: "tollgate-e2e@" + project + ".iam.gserviceaccount.com",
		issued: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// TokenURL is the token_uri of the service account.
func (s *TokenServer) TokenURL() string { return s.URL + "/token" }

// ServiceAccountJSON is the account's key file, as GOOGLE_APPLICATION_CREDENTIALS names.
func (s *TokenServer) ServiceAccountJSON() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": s.Project, "private_key_id": saKeyID,
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": s.Email, "client_id": "100000000000000000001",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": s.TokenURL(),
		"universe_domain": "googleapis.com",
	}, "", "  ")
}

// Issued reports whether tok is an access token this server issued.
func (s *TokenServer) Issued(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tok != "" && s.issued[tok]
}

// Fetches is the number of tokens issued.
func (s *TokenServer) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issued)
}

// Failures lists the token requests that were refused, and why.
func (s *TokenServer) Failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.failures...)
}

func (s *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := s.check(r); err != nil {
		s.mu.Lock()
		s.failures = append(s.failures, "token server: "+err.Error())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": err.Error()})
		return
	}
	tok := "ya29.e2e-" + rand.Text()
	s.mu.Lock()
	s.issued[tok] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

// check verifies a JWT-bearer token request.
func (s *TokenServer) check(r *http.Request) error {
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		return fmt.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		return fmt.Errorf("grant_type %q", g)
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		return fmt.Errorf("assertion is not a JWS")
	}
	var head struct{ Alg, Kid, Typ string }
	var claims struct {
		Iss, Aud, Scope string
		Exp, Iat        int64
	}
	if err := decodeSegment(parts[0], &head); err != nil {
		return fmt.Errorf("JWT header: %v", err)
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("JWT claims: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("JWT signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if head.Alg != "RS256" || head.Kid != saKeyID {
		return fmt.Errorf("JWT alg %q kid %q", head.Alg, head.Kid)
	}
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("JWT signature does not verify: %v", err)
	}
	now := time.Now().Unix()
	switch {
	case claims.Iss != s.Email:
		return fmt.Errorf("iss %q", claims.Iss)
	case claims.Aud != s.TokenURL():
		return fmt.Errorf("aud %q, want the token_uri", claims.Aud)
	case !slices.Contains(strings.Fields(claims.Scope), cloudPlatform):
		return fmt.Errorf("scope %q lacks %s", claims.Scope, cloudPlatform)
	case claims.Exp <= now || claims.Iat > now+60:
		return fmt.Errorf("iat %d exp %d, now %d", claims.Iat, claims.Exp, now)
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
