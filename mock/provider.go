package mock

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// ProviderOptions configure a Provider.
type ProviderOptions struct {
	// Name is for messages.
	Name string
	// Auth checks the provider credential (and whatever else the upstream requires of a
	// request); it runs after the ClientKeys check. Required.
	Auth Auth
	// ClientKeys must appear in no request header.
	ClientKeys []string
	// Routes maps a request path (without the query) to its recorded answer.
	Routes map[string]Route
	// Handler answers the requests whose path is not in Routes: New(opts, nil) gives the
	// generated answers of `tollgate mock`. Nil: such a request is a 404 and a failure.
	Handler http.Handler
	// Chunk is the size of each write of a replayed stream (0: 48 bytes); Pace the pause
	// between writes (0: 1ms).
	Chunk int
	Pace  time.Duration
	// Logger receives the HTTP server's errors; nil discards.
	Logger *slog.Logger
}

// Exchange is one request the provider got and what it sent back.
type Exchange struct {
	Method, Host, Path, Query string
	Header                    http.Header
	Body                      []byte
	Status                    int
	Sent                      []byte
}

// Provider is a running fake provider on 127.0.0.1. Every request is first checked
// (no client key in any header, then Auth); a request that fails is refused (401, or
// what a Refusal says) and recorded as a failure. The others are answered by their
// Route, replayed, or by the Handler. Every request and every byte sent is recorded.
type Provider struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string

	opts ProviderOptions
	srv  *server

	mu        sync.Mutex
	idle      *sync.Cond
	inflight  int
	exchanges []Exchange
	failures  []string
}

// NewProvider starts a provider on 127.0.0.1.
func NewProvider(opts ProviderOptions) *Provider {
	if opts.Chunk == 0 {
		opts.Chunk = 48
	}
	if opts.Pace == 0 {
		opts.Pace = time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{opts: opts}
	p.idle = sync.NewCond(&p.mu)
	p.URL, p.srv = listen(http.HandlerFunc(p.serve), opts.Logger)
	return p
}

// Close stops the provider and waits for the requests in flight.
func (p *Provider) Close() { p.srv.close() }

// Exchanges waits until no request is in flight and returns the requests so far.
func (p *Provider) Exchanges() []Exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.inflight > 0 {
		p.idle.Wait()
	}
	return append([]Exchange(nil), p.exchanges...)
}

// Failures lists the checks that failed (credentials, unknown paths).
func (p *Provider) Failures() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.failures...)
}

func (p *Provider) fail(format string, args ...any) {
	p.mu.Lock()
	p.failures = append(p.failures, p.opts.Name+": "+fmt.Sprintf(format, args...))
	p.mu.Unlock()
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.inflight++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inflight--
		p.idle.Broadcast()
		p.mu.Unlock()
	}()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		p.fail("reading the body: %v", err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ex := Exchange{Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body}
	tw := &tee{ResponseWriter: w}
	defer func() {
		ex.Status, ex.Sent = tw.result()
		p.mu.Lock()
		p.exchanges = append(p.exchanges, ex)
		p.mu.Unlock()
	}()
	if err := p.check(r, body); err != nil {
		p.fail("%s %s: %v", r.Method, ex.Path, err)
		refuse(tw, err)
		return
	}
	route, ok := p.opts.Routes[r.URL.Path]
	if !ok {
		route, ok = p.opts.Routes[ex.Path]
	}
	switch {
	case ok:
		p.replay(tw, r, route, body)
	case p.opts.Handler != nil:
		p.opts.Handler.ServeHTTP(tw, r)
	default:
		p.fail("no route for %s %s", r.Method, ex.Path)
		tw.WriteHeader(http.StatusNotFound)
	}
}

// check runs the credential checks: that no client key reached the provider in any
// header, then the provider's own.
func (p *Provider) check(r *http.Request, body []byte) error {
	if err := NoClientKeys(p.opts.ClientKeys...)(r, body); err != nil {
		return err
	}
	if p.opts.Auth == nil {
		return fmt.Errorf("no credential check configured")
	}
	return p.opts.Auth(r, body)
}
