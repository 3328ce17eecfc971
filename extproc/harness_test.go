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
// client to it.
func serveFixture(t testing.TB, rt *assembly.Runtime, reg *prometheus.Registry, m *metrics.Metrics, log *slog.Logger, logs *syncBuffer) *fixture {
	t.Helper()
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := extproc.New(rt, extproc.Options{Metrics: m, Logger: log,
		Prices: pricing.NewStore(table), Unpriced: pricing.NewWarnOnce(log)})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
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

// exchange is one ext_proc stream, driven message by message as Envoy does.
type exchange struct {
	t      testing.TB
	stream extprocv3.ExternalProcessor_ProcessClient
	cancel context.CancelFunc
}

func (f *fixture) open(t testing.TB) *exchange {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	s, err := f.client.Process(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return &exchange{t: t, stream: s, cancel: cancel}
}

func (e *exchange) send(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	e.t.Helper()
	if err := e.stream.Send(req); err != nil {
		e.t.Fatalf("send: %v", err)
	}
	resp, err := e.stream.Recv()
	if err != nil {
		e.t.Fatalf("recv: %v", err)
	}
	return resp
}

// close ends the stream as Envoy does after the last message, and waits for the
// server to close its side.
func (e *exchange) close() {
	e.t.Helper()
	_ = e.stream.CloseSend()
	for {
		if _, err := e.stream.Recv(); err != nil {
			return
		}
	}
}

func headerMap(kv ...string) *corev3.HeaderMap {
	m := &corev3.HeaderMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Headers = append(m.Headers, &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
	}
	return m
}

func requestHeaders(endOfStream bool, kv ...string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{Headers: headerMap(kv...), EndOfStream: endOfStream}}}
}

func requestBody(body []byte) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
		RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: true}}}
}

func responseHeaders(endOfStream bool, kv ...string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{
		ResponseHeaders: &extprocv3.HttpHeaders{Headers: headerMap(kv...), EndOfStream: endOfStream}}}
}

func responseBody(chunk []byte, endOfStream bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: chunk, EndOfStream: endOfStream}}}
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
	var common *extprocv3.CommonResponse
	switch r := resp.Response.(type) {
	case *extprocv3.ProcessingResponse_RequestBody:
		common = r.RequestBody.Response
	case *extprocv3.ProcessingResponse_RequestHeaders:
		common = r.RequestHeaders.Response
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		common = r.ResponseHeaders.Response
	case *extprocv3.ProcessingResponse_ResponseBody:
		common = r.ResponseBody.Response
	default:
		t.Fatalf("reply is %T, not a common response", resp.Response)
	}
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
	if bm := resp.GetResponseBody().GetResponse().GetBodyMutation(); bm != nil {
		c.body = append(c.body, bm.GetBody()...)
	} else {
		c.body = append(c.body, sent...)
	}
	if d := resp.GetDynamicMetadata(); d != nil {
		c.md = map[string]float64{}
		for k, v := range d.Fields["tollgate"].GetStructValue().GetFields() {
			c.md[k] = v.GetNumberValue()
		}
	}
}
