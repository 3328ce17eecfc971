package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/envoysim"
	"github.com/tollgate/tollgate/mock"
)

// Keys: the provider credentials of testdata/tollgate.yaml and the client keys.
const (
	anthropicKey = "sk-ant-e2e-provider-key"
	openaiKey    = "sk-openai-e2e-provider-key"
	azureKey     = "azure-e2e-provider-key"
	keyTeamA     = "team-a-key" // alice, team platform
	keyTeamB     = "team-b-key" // bob, team research
)

var clientKeys = []string{keyTeamA, keyTeamB}

// stack is one running test deployment: fake providers, a tollgate gateway and the
// Envoy stand-in (internal/envoysim) in front of it.
type stack struct {
	GW *gateway.Gateway
	H  *envoysim.Proxy
	// URL is the stand-in (the "Envoy listener"); AdminURL is tollgate's admin server.
	URL, AdminURL string
	// Providers are the fake providers by Envoy cluster name.
	Providers map[string]*mock.Provider
	// Logs holds tollgate's log output.
	Logs *syncBuffer
}

// repoRoot is the module root (this file lives in e2e/).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// startStack starts tollgate with e2e/testdata/tollgate.yaml and the Envoy stand-in with
// envoy/envoy.yaml in front of it, each Envoy cluster given mapped to its fake provider
// (nil: fake anthropic, openai and azure-east providers replaying the recorded
// fixtures). Everything stops when the test ends.
func startStack(t *testing.T, providers map[string]*mock.Provider) *stack {
	t.Helper()
	if providers == nil {
		providers = openAIProviders(t)
		providers["anthropic"] = anthropicProvider(t)
	}
	s := &stack{Providers: providers, Logs: &syncBuffer{}}
	upstreams := map[string]string{}
	for cluster, p := range providers {
		upstreams[cluster] = p.URL
		t.Cleanup(p.Close)
	}
	log := slog.New(slog.NewJSONHandler(s.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw, err := gateway.New(gateway.Options{
		ConfigPath: filepath.Join(repoRoot(), "e2e", "testdata", "tollgate.yaml"),
		Logger:     log, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
	})
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
	b, err := envoy.LoadBootstrap(filepath.Join(repoRoot(), "envoy", "envoy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := envoysim.New(envoysim.Options{Bootstrap: b, ExtProcAddr: gw.Addr(), Upstreams: upstreams, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	s.GW, s.H, s.URL, s.AdminURL = gw, h, h.URL(), "http://"+gw.AdminAddr()
	return s
}

// checkProviders fails the test on any failed credential check of any provider.
func (s *stack) checkProviders(t *testing.T) {
	t.Helper()
	for name, p := range s.Providers {
		for _, f := range p.Failures() {
			t.Errorf("provider %s: %s", name, f)
		}
	}
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

// recorder is an http.RoundTripper that keeps the raw bytes a client sent and received.
type recorder struct {
	mu        sync.Mutex
	exchanges []*rawExchange
	transport *http.Transport
}

func newRecorder() *recorder {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true // record the bytes on the wire
	return &recorder{transport: t}
}

type rawExchange struct {
	Path     string
	Sent     []byte
	Received bytes.Buffer
	Status   int
}

func (r *recorder) client() *http.Client { return &http.Client{Transport: r} }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := &rawExchange{Path: req.URL.RequestURI()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		ex.Sent = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := r.transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex.Status = resp.StatusCode
	resp.Body = &teeBody{ReadCloser: resp.Body, mu: &r.mu, w: &ex.Received}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	return resp, nil
}

// last returns what the last exchange sent and received.
func (r *recorder) last(t *testing.T) (sent, received []byte) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) == 0 {
		t.Fatal("the client sent nothing")
	}
	ex := r.exchanges[len(r.exchanges)-1]
	return ex.Sent, bytes.Clone(ex.Received.Bytes())
}

type teeBody struct {
	io.ReadCloser
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.mu.Lock()
	b.w.Write(p[:n])
	b.mu.Unlock()
	return n, err
}
