package credentials

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// CloudPlatformScope is the OAuth scope Vertex AI requires.
const CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// fetchTimeout bounds one token fetch, even when no caller is waiting any more.
const fetchTimeout = 30 * time.Second

// Google is a source of OAuth access tokens from Google application default credentials
// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user credentials, the metadata server). The
// credentials are found on first use, so a process without them still starts; tokens are
// reused until RefreshWindow before they expire.
type Google struct {
	scopes []string

	mu    sync.Mutex
	src   oauth2.TokenSource // nil until found
	tok   *oauth2.Token
	fetch *googleFetch // the fetch in flight, nil when none
}

type googleFetch struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// NewGoogle returns a token source for scopes.
func NewGoogle(scopes ...string) *Google {
	return &Google{scopes: scopes}
}

// Token returns a valid access token. At most one fetch runs at a time; Token returns
// when ctx is done even if that fetch has not finished.
func (g *Google) Token(ctx context.Context) (string, error) {
	g.mu.Lock()
	if g.tok != nil && fresh(g.tok) {
		t := g.tok.AccessToken
		g.mu.Unlock()
		return t, nil
	}
	f := g.fetch
	if f == nil {
		f = &googleFetch{done: make(chan struct{})}
		g.fetch = f
		go g.run(f)
	}
	g.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return f.tok.AccessToken, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func fresh(t *oauth2.Token) bool {
	return t.AccessToken != "" && (t.Expiry.IsZero() || time.Until(t.Expiry) > RefreshWindow)
}

func (g *Google) run(f *googleFetch) {
	f.tok, f.err = g.getSafely()
	g.mu.Lock()
	if f.err == nil {
		g.tok = f.tok
	}
	g.fetch = nil
	g.mu.Unlock()
	close(f.done)
}

// get finds the credentials (once) and fetches a token. Only the fetch goroutine calls it.
func (g *Google) get() (*oauth2.Token, error) {
	if g.src == nil {
		// The token source keeps this context for every later fetch: it must outlive any
		// one request, and its HTTP client bounds each fetch.
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: fetchTimeout})
		creds, err := google.FindDefaultCredentials(ctx, g.scopes...)
		if err != nil {
			return nil, fmt.Errorf("google application default credentials: %w", err)
		}
		g.src = oauth2.ReuseTokenSourceWithExpiry(nil, creds.TokenSource, RefreshWindow)
	}
	tok, err := g.src.Token()
	if err != nil {
		return nil, fmt.Errorf("google access token: %w", err)
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("google access token: empty token")
	}
	return tok, nil
}

// getSafely fetches a token and turns a panic (the token endpoint's answer is outside
// bytes) into this fetch's error: waiters then get an error, not a process crash.
func (g *Google) getSafely() (tok *oauth2.Token, err error) {
	defer func() {
		if p := recover(); p != nil {
			tok, err = nil, fmt.Errorf("google credentials: token fetch panicked: %v", p)
		}
	}()
	return g.get()
}
