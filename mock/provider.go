package mock

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// Fixture is one recorded response.
type Fixture struct {
	Status      int // 0 means 200
	ContentType string
	Body        []byte
}

// Route is what one path answers: Stream when the request asks for a stream (the
// body's "stream": true, or Always), else JSON.
type Route struct {
	JSON, Stream *Fixture
	// AlwaysStream answers Stream whatever the body says (Bedrock/Vertex stream paths).
	AlwaysStream bool
}

// Auth checks a request's credentials; it returns a description of what is wrong.
type Auth func(r *http.Request, body []byte) error

// ProviderOptions configure a Provider.
type ProviderOptions struct {
	// Name is for messages.
	Name string
	// Auth checks the provider credential.
	Auth Auth
	// ClientKeys must appear in no request header.
	ClientKeys []string
	// Routes maps a request path (without the query) to its answer.
	Routes map[string]Route
	// Chunk is the size of each write of a stream (0: 48 bytes); Pace the pause between
	// writes (0: 1ms).
	Chunk int
	Pace  time.Duration
	// Logger; nil discards.
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

// Provider is a running fake provider.
type Provider struct {
	*httptest.Server
	opts ProviderOptions

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
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

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
	ex := Exchange{Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body}
	defer func() {
		p.mu.Lock()
		p.exchanges = append(p.exchanges, ex)
		p.mu.Unlock()
	}()
	if err := p.check(r, body); err != nil {
		p.fail("%s %s: %v", r.Method, ex.Path, err)
		ex.Status = http.StatusUnauthorized
		w.WriteHeader(ex.Status)
		return
	}
	route, ok := p.opts.Routes[r.URL.Path]
	if !ok {
		route, ok = p.opts.Routes[ex.Path]
	}
	if !ok {
		p.fail("no route for %s %s", r.Method, ex.Path)
		ex.Status = http.StatusNotFound
		w.WriteHeader(ex.Status)
		return
	}
	f := route.JSON
	streamed := route.AlwaysStream || gjson.GetBytes(body, "stream").Bool()
	if streamed {
		f = route.Stream
	}
	if f == nil {
		p.fail("%s %s: no fixture (stream=%v)", r.Method, ex.Path, streamed)
		ex.Status = http.StatusNotFound
		w.WriteHeader(ex.Status)
		return
	}
	ex.Status = f.Status
	if ex.Status == 0 {
		ex.Status = http.StatusOK
	}
	w.Header().Set("Content-Type", f.ContentType)
	var sent bytes.Buffer
	if !streamed {
		w.Header().Set("Content-Length", fmt.Sprint(len(f.Body)))
		w.WriteHeader(ex.Status)
		n, _ := w.Write(f.Body)
		sent.Write(f.Body[:n])
		ex.Sent = sent.Bytes()
		return
	}
	w.WriteHeader(ex.Status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for off := 0; off < len(f.Body); off += p.opts.Chunk {
		end := min(off+p.opts.Chunk, len(f.Body))
		n, err := w.Write(f.Body[off:end])
		sent.Write(f.Body[off : off+n])
		if err != nil || end == len(f.Body) {
			// The last piece is not flushed: it leaves with the end of the body, as a
			// provider that ends its response right after the last event does.
			break
		}
		if rc.Flush() != nil {
			break
		}
		time.Sleep(p.opts.Pace)
	}
	ex.Sent = sent.Bytes()
}

// check runs the credential checks: the provider's own, then that no client key
// reached the provider in any header.
func (p *Provider) check(r *http.Request, body []byte) error {
	for name, vs := range r.Header {
		for _, v := range vs {
			for _, k := range p.opts.ClientKeys {
				if k != "" && strings.Contains(v, k) {
					return fmt.Errorf("the client's key arrived in header %s", name)
				}
			}
		}
	}
	if p.opts.Auth == nil {
		return fmt.Errorf("no credential check configured")
	}
	return p.opts.Auth(r, body)
}
