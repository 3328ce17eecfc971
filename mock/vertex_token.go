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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

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
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL            string
	Email, Project string
	key            *rsa.PrivateKey
	srv            *server

	mu       sync.Mutex
	issued   map[string]bool
	failures []string
}

// NewTokenServer starts a token server on 127.0.0.1 for a service account with key.
func NewTokenServer(key *rsa.PrivateKey, project string) *TokenServer {
	s := &TokenServer{key: key, Project: project, Email: "tollgate-e2e@" + project + ".iam.gserviceaccount.com",
		issued: map[string]bool{}}
	s.URL, s.srv = listen(http.HandlerFunc(s.serve), slog.New(slog.DiscardHandler))
	return s
}

// Close stops the server and waits for the requests in flight.
func (s *TokenServer) Close() { s.srv.close() }

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

// WriteServiceAccount writes the account's key file (ServiceAccountJSON) into dir and
// returns its path: the value for GOOGLE_APPLICATION_CREDENTIALS.
func (s *TokenServer) WriteServiceAccount(dir string) (string, error) {
	js, err := s.ServiceAccountJSON()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "service-account.json")
	return path, os.WriteFile(path, js, 0o600)
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
