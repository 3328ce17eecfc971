package extproc_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/extproc"
	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/pricing"
)

// fixture is a tollgate ext_proc server on 127.0.0.1 and a client to it.
type fixture struct {
	srv     *extproc.Server
	client  extprocv3.ExternalProcessorClient
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	logs    *syncBuffer
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func loadRuntime(t testing.TB, path string) *assembly.Runtime {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := config.Parse(path, data, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func newFixture(t testing.TB, configPath string) *fixture {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return serveFixture(t, loadRuntime(t, configPath), reg, metrics.New(reg), log, logs)
}

// serveFixture serves rt on 127.0.0.1 with the built-in price table and returns a
// client to it (serveServer).
func serveFixture(t testing.TB, rt *assembly.Runtime, reg *prometheus.Registry, m *metrics.Metrics, log *slog.Logger, logs *syncBuffer, serverOpts ...grpc.ServerOption) *fixture {
	t.Helper()
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := extproc.New(rt, extproc.Options{Metrics: m, Logger: log,
		Prices: pricing.NewStore(table), Unpriced: pricing.NewWarnOnce(log)})
	return serveServer(t, srv, reg, m, logs, serverOpts...)
}

// serveServer serves srv on 127.0.0.1 and returns a client to it. The gRPC server has
// serverOpts, by default (nil) the gateway's tap and codec.
func serveServer(t testing.TB, srv *extproc.Server, reg *prometheus.Registry, m *metrics.Metrics, logs *syncBuffer, serverOpts ...grpc.ServerOption) *fixture {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if serverOpts == nil {
		serverOpts = []grpc.ServerOption{grpc.InTapHandle(extproc.StreamTap), grpc.ForceServerCodecV2(extproc.Codec{})} // as gateway.New serves it
	}
	g := grpc.NewServer(append([]grpc.ServerOption{grpc.MaxRecvMsgSize(64 << 20)}, serverOpts...)...)
	srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fixture{srv: srv, client: extprocv3.NewExternalProcessorClient(conn), reg: reg, metrics: m, logs: logs}
}

// exchange is one ext_proc stream, driven message by message as Envoy's filter drives
// it (internal/envoysim/filter: one reply of the matching type per message).
type exchange struct {
	t      testing.TB
	s      *filter.Stream
	cancel context.CancelFunc
}

func (f *fixture) open(t testing.TB) *exchange {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	s := filter.NewStream(nil, f.client)
	s.Begin(ctx)
	return &exchange{t: t, s: s, cancel: cancel}
}

func (e *exchange) send(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	e.t.Helper()
	resp, failure := e.s.Call(req)
	if failure != nil {
		e.t.Fatalf("%s: %v", filter.MessageName(req), failure)
	}
	if resp == nil {
		e.t.Fatalf("%s: no reply, the server ended the stream", filter.MessageName(req))
	}
	return resp
}

// close ends the stream as Envoy does after the last message, and waits for the
// server to close its side.
func (e *exchange) close() {
	e.t.Helper()
	_ = e.s.Close(0)
}

func headerMap(kv ...string) *corev3.HeaderMap { return filter.Of(kv...).Proto() }

func requestHeaders(endOfStream bool, kv ...string) *extprocv3.ProcessingRequest {
	return filter.RequestHeaders(headerMap(kv...), endOfStream)
}

func requestBody(body []byte) *extprocv3.ProcessingRequest { return filter.RequestBody(body, true) }

func responseHeaders(endOfStream bool, kv ...string) *extprocv3.ProcessingRequest {
	return filter.ResponseHeaders(headerMap(kv...), endOfStream)
}

func responseBody(chunk []byte, endOfStream bool) *extprocv3.ProcessingRequest {
	return filter.ResponseBody(chunk, endOfStream)
}

// post is the request-headers message of a POST with a JSON body.
func post(path string, body []byte, kv ...string) *extprocv3.ProcessingRequest {
	base := []string{":method", "POST", ":path", path, ":authority", "gateway.local", ":scheme", "http",
		"content-type", "application/json", "content-length", strconv.Itoa(len(body)), "x-request-id", "req-1"}
	return requestHeaders(false, append(base, kv...)...)
}

// mutation is the header and body changes of one reply, flattened for assertions.
type mutation struct {
	set        map[string]string
	removed    map[string]bool
	body       []byte
	hasBody    bool
	clearCache bool
}

func mutationOf(t testing.TB, resp *extprocv3.ProcessingResponse) mutation {
	t.Helper()
	if resp.GetRequestHeaders() == nil && resp.GetRequestBody() == nil && resp.GetResponseHeaders() == nil && resp.GetResponseBody() == nil {
		t.Fatalf("reply is %T, not a common response", resp.Response)
	}
	common := filter.Common(resp)
	m := mutation{set: map[string]string{}, removed: map[string]bool{}}
	if common == nil {
		return m
	}
	m.clearCache = common.ClearRouteCache
	if hm := common.HeaderMutation; hm != nil {
		for _, h := range hm.SetHeaders {
			if h.Header.Value != "" {
				t.Errorf("header %s uses value, not raw_value", h.Header.Key)
			}
			m.set[h.Header.Key] = string(h.Header.RawValue)
		}
		for _, k := range hm.RemoveHeaders {
			m.removed[k] = true
		}
	}
	if bm := common.BodyMutation; bm != nil {
		m.body, m.hasBody = bm.GetBody(), true
	}
	return m
}

// immediateOf returns the local reply of resp, failing if it is none.
func immediateOf(t testing.TB, resp *extprocv3.ProcessingResponse) *extprocv3.ImmediateResponse {
	t.Helper()
	ir := resp.GetImmediateResponse()
	if ir == nil {
		t.Fatalf("want an immediate response, got %T", resp.Response)
	}
	return ir
}

func waitForCount(t testing.TB, get func() float64, want float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for get() != want {
		if time.Now().After(deadline) {
			t.Fatalf("count = %v, want %v", get(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustGather(t testing.TB, f *fixture) []*dto.MetricFamily {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// clientView is what the client gets from a stream's response-body replies: the bytes
// (a chunk as sent, or its replacement) and the final dynamic metadata.
type clientView struct {
	body []byte
	md   map[string]float64
}

func (c *clientView) take(t testing.TB, resp *extprocv3.ProcessingResponse, sent []byte) {
	t.Helper()
	if resp.GetResponseBody() == nil {
		t.Fatalf("reply to a body chunk is %T", resp.Response)
	}
	c.body = append(c.body, filter.ApplyBodyMutation(resp.GetResponseBody().GetResponse().GetBodyMutation(), sent)...)
	if d := resp.GetDynamicMetadata(); d != nil {
		c.md = map[string]float64{}
		for k, v := range d.Fields["tollgate"].GetStructValue().GetFields() {
			c.md[k] = v.GetNumberValue()
		}
	}
}
