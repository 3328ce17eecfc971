package envoysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Proxy is an HTTP/1.1 listener that stands in for Envoy: connection
// manager, ext_proc filter and router, configured from an Envoy bootstrap.
type Proxy struct {
	cfg     *config
	opts    Options
	log     *slog.Logger
	conn    *grpc.ClientConn
	extproc extprocv3.ExternalProcessorClient
	client  *http.Client
	srv     *http.Server
	lis     net.Listener

	mu       sync.Mutex
	idle     *sync.Cond
	inflight int
	entries  []map[string]any
}

// New compiles the bootstrap's listener, dials the ext_proc server and starts serving
// on Options.Listen. Configuration the stand-in cannot emulate faithfully is an
// error rather than an approximation.
func New(opts Options) (*Proxy, error) {
	cfg, err := compileConfig(opts)
	if err != nil {
		return nil, err
	}
	h := &Proxy{cfg: cfg, opts: opts, log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.idle = sync.NewCond(&h.mu)
	for _, f := range cfg.accessLogs {
		if len(f.unsupported) > 0 {
			h.log.Warn("access log operators rendered as unavailable", "operators", f.unsupported)
		}
	}
	h.conn, err = grpc.NewClient(opts.ExtProcAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(max(cfg.bufferLimit, cfg.requestLimit))+1<<20),
			grpc.MaxCallSendMsgSize(int(max(cfg.bufferLimit, cfg.requestLimit))+1<<20)))
	if err != nil {
		return nil, fmt.Errorf("envoysim: ext_proc client: %w", err)
	}
	h.extproc = extprocv3.NewExternalProcessorClient(h.conn)
	h.client = &http.Client{
		Transport: &http.Transport{
			// Envoy passes content-encoding through untouched; Go would otherwise ask
			// for gzip and decode it behind our back.
			DisableCompression:  true,
			Proxy:               nil,
			MaxIdleConnsPerHost: 16,
		},
		// Envoy's router does not follow redirects (internal_redirect_policy unset).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	h.lis, err = net.Listen("tcp", addr)
	if err != nil {
		h.conn.Close()
		return nil, err
	}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(h.lis) }()
	return h, nil
}

// URL is the listener's base URL, e.g. "http://127.0.0.1:41234".
func (h *Proxy) URL() string { return "http://" + h.lis.Addr().String() }

// Close stops the listener and the ext_proc connection.
func (h *Proxy) Close() error {
	err := h.srv.Close()
	h.client.CloseIdleConnections()
	return errors.Join(err, h.conn.Close())
}

// AccessLog waits until no request is in flight and returns the access log entries so
// far (json_format lines decoded; text lines as {"text": line}).
func (h *Proxy) AccessLog() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.inflight > 0 {
		h.idle.Wait()
	}
	return append([]map[string]any(nil), h.entries...)
}

// UnsupportedOperators lists the access log command operators of the configuration
// that the stand-in renders as unavailable.
func (h *Proxy) UnsupportedOperators() []string {
	var out []string
	for _, f := range h.cfg.accessLogs {
		out = append(out, f.unsupported...)
	}
	return out
}

func (h *Proxy) begin() {
	h.mu.Lock()
	h.inflight++
	h.mu.Unlock()
}

func (h *Proxy) end(lc *logContext) {
	var lines [][]byte
	for _, f := range h.cfg.accessLogs {
		lines = append(lines, f.render(lc))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, line := range lines {
		if !h.opts.ForgetAccessLog {
			var m map[string]any
			if json.Unmarshal(line, &m) != nil {
				m = map[string]any{"text": string(bytes.TrimRight(line, "\n"))}
			}
			h.entries = append(h.entries, m)
		}
		if h.opts.AccessLog != nil {
			_, _ = h.opts.AccessLog.Write(line)
		}
	}
	h.inflight--
	h.idle.Broadcast()
}

// errAbort means the client's response must be cut: Envoy resets the downstream
// stream when it fails after the response headers went out.
var errAbort = errors.New("abort the downstream stream")

// ServeHTTP runs one request through the emulated filter chain.
func (h *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.begin()
	x := newExchange(h, w, r)
	err := x.run()
	x.closeStream()
	x.lc.duration = time.Since(x.lc.start)
	x.lc.req = x.req
	h.end(&x.lc)
	if errors.Is(err, errAbort) {
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		h.log.Warn("envoysim request failed", "err", err)
	}
}

var _ io.Closer = (*Proxy)(nil)

// closeStream ends the request's ext_proc stream as Envoy does when the HTTP stream is
// done (bounded: a server that never ends its side is cut after a second), and keeps
// the dynamic metadata the replies set for the access log.
func (x *exchange) closeStream() {
	if !x.s.Complete() {
		_ = x.s.Close(time.Second)
	}
	x.s.Cancel()
	x.lc.metadata = x.s.Metadata()
}
