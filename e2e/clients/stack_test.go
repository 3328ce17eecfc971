package clients

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/mock"
)

// Keys: the client key of testdata/tollgate.yaml (team "agents") and the provider keys.
const (
	clientKey    = "clients-e2e-key"
	team         = "agents"
	anthropicKey = "sk-ant-clients-provider-key"
	openaiKey    = "sk-openai-clients-provider-key"
	geminiKey    = "gemini-clients-provider-key"
)

// mockOpts shape every generated answer: the reply is mock.Reply(mockOpts) and the usage
// mock.ExpectedUsage(api, body, mockOpts).
var mockOpts = mock.Options{Words: 12}

// repoRoot is the module root (this file lives in e2e/clients/).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// stack is tollgate behind the Envoy stand-in with fake providers upstream, and in front
// of it all a recorder that keeps every request the client sent.
type stack struct {
	gw        *gateway.Gateway
	envoy     envoySim
	rec       *recorder
	providers map[string]*mock.Provider
	logs      *syncBuffer
	// URL is where the client is pointed: the recorder, which forwards to Envoy.
	URL string
}

// generatedProviders are the fake anthropic, openai and gemini providers, each answering
// with the generated mock (mock.New) behind its provider credential check.
func generatedProviders() map[string]*mock.Provider {
	h := mock.New(mockOpts, nil)
	return map[string]*mock.Provider{
		"anthropic": mock.NewProvider(mock.ProviderOptions{Name: "anthropic", Auth: mock.AnthropicAuth(anthropicKey),
			ClientKeys: []string{clientKey}, Handler: h}),
		"openai": mock.NewProvider(mock.ProviderOptions{Name: "openai", Auth: mock.OpenAIAuth(openaiKey),
			ClientKeys: []string{clientKey}, Handler: h}),
		"gemini": mock.NewProvider(mock.ProviderOptions{Name: "gemini",
			Auth:       mock.HeaderAuth("x-goog-api-key", geminiKey, "authorization", "x-api-key"),
			ClientKeys: []string{clientKey}, Handler: h}),
	}
}

// startStack starts tollgate with testdata/tollgate.yaml and the Envoy stand-in with
// envoy/envoy.yaml, with the generated providers and those cloud returns (given the
// token server of tollgate's Google credentials; cloud may be nil) each mapped onto the
// Envoy cluster of its name. Everything stops when the test ends.
func startStack(t *testing.T, cloud func(*mock.TokenServer) map[string]*mock.Provider) *stack {
	t.Helper()
	ts := cloudEnv(t)
	providers := generatedProviders()
	if cloud != nil {
		maps.Copy(providers, cloud(ts))
	}
	s := &stack{providers: providers, logs: &syncBuffer{}}
	upstreams := map[string]string{}
	for cluster, p := range providers {
		upstreams[cluster] = p.URL
		t.Cleanup(p.Close)
	}
	log := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw, err := gateway.New(gateway.Options{ConfigPath: filepath.Join("testdata", "tollgate.yaml"),
		Logger: log, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("gateway did not stop")
		}
	})
	s.gw = gw
	s.envoy = startEnvoy(t, filepath.Join(repoRoot(), "envoy", "envoy.yaml"), gw.Addr(), upstreams, log)
	s.rec = newRecorder(t, s.envoy.URL())
	s.URL = s.rec.URL
	return s
}

// providerFailures are the failed checks of every fake provider (a missing or wrong
// provider credential, a client key that reached a provider, ...).
func (s *stack) providerFailures() []string {
	var out []string
	for name, p := range s.providers {
		for _, f := range p.Failures() {
			out = append(out, name+": "+f)
		}
	}
	sort.Strings(out)
	return out
}

// reached reports whether any fake provider got a request whose path starts with prefix.
func (s *stack) reached(prefix string) bool {
	for _, p := range s.providers {
		for _, e := range p.Exchanges() {
			if strings.HasPrefix(e.Path, prefix) {
				return true
			}
		}
	}
	return false
}

// recorded is one request a client sent, as the recorder saw it.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Host                string
	TransferEncoding    []string
	Body                []byte
	Status              int
	Response            []byte
}

// recorder is a reverse proxy on 127.0.0.1 in front of the Envoy stand-in that keeps
// every request (and the status and body of its answer) a client sent.
type recorder struct {
	URL string
	mu  sync.Mutex
	all []*recorded
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // streams reach the client as they arrive
	rp.Transport = &http.Transport{Proxy: nil, DisableCompression: true}
	rp.ErrorLog = nil
	rp.ModifyResponse = func(resp *http.Response) error {
		rec, _ := resp.Request.Context().Value(recordKey{}).(*recorded)
		if rec != nil {
			resp.Body = &teeBody{ReadCloser: resp.Body, mu: &r.mu, rec: rec}
			r.mu.Lock()
			rec.Status = resp.StatusCode
			r.mu.Unlock()
		}
		return nil
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body.Close()
		rec := &recorded{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Header: req.Header.Clone(),
			Host: req.Host, TransferEncoding: req.TransferEncoding, Body: body}
		r.mu.Lock()
		r.all = append(r.all, rec)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		rp.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), recordKey{}, rec)))
	})}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Close() })
	r.URL = "http://" + lis.Addr().String()
	return r
}

type recordKey struct{}

// requests returns what was recorded so far.
func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]recorded, len(r.all))
	for i, rec := range r.all {
		out[i] = *rec
		out[i].Response = bytes.Clone(rec.Response)
	}
	return out
}

type teeBody struct {
	io.ReadCloser
	mu  *sync.Mutex
	rec *recorded
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.mu.Lock()
	if len(b.rec.Response) < 1<<20 {
		b.rec.Response = append(b.rec.Response, p[:n]...)
	}
	b.mu.Unlock()
	return n, err
}

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }
