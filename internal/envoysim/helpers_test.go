package envoysim

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"

	"github.com/tollgate/tollgate/envoy"
)

// script answers one ext_proc message; returning nil means "never answer" (the
// handler blocks until the stream ends).
type script func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse

// scripted is a hand-written ext_proc server that follows a script and records the
// message types it received.
type scripted struct {
	extprocv3.UnimplementedExternalProcessorServer
	script script
	mu     sync.Mutex
	seen   []string
}

func (s *scripted) Process(srv extprocv3.ExternalProcessor_ProcessServer) error {
	for {
		req, err := srv.Recv()
		if err != nil {
			return nil
		}
		s.mu.Lock()
		s.seen = append(s.seen, kindOf(req))
		s.mu.Unlock()
		resp := s.script(req)
		if resp == nil {
			<-srv.Context().Done()
			return nil
		}
		if err := srv.Send(resp); err != nil {
			return nil
		}
	}
}

func (s *scripted) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func kindOf(req *extprocv3.ProcessingRequest) string {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return "request_headers"
	case *extprocv3.ProcessingRequest_RequestBody:
		return "request_body"
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return "response_headers"
	case *extprocv3.ProcessingRequest_ResponseBody:
		return "response_body"
	}
	return "other"
}

// upstream records the requests it gets.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	host   string
	path   string
	header http.Header
	body   string
}

func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{host: r.Host, path: r.RequestURI, header: r.Header.Clone(), body: string(b)})
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.reqs...)
}

type setup struct {
	allowOverride  bool
	messageTimeout string
}

// start runs the scripted server and a Proxy built from testdata/scripted.yaml.
func start(t *testing.T, st setup, s script, upstreams map[string]string) (*Proxy, *scripted) {
	t.Helper()
	raw, err := os.ReadFile("testdata/scripted.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if st.messageTimeout == "" {
		st.messageTimeout = "5s"
	}
	allow := "false"
	if st.allowOverride {
		allow = "true"
	}
	y := strings.NewReplacer("ALLOW_MODE_OVERRIDE", allow, "MESSAGE_TIMEOUT", st.messageTimeout).Replace(string(raw))
	b, err := envoy.ParseBootstrap([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	srv := &scripted{script: s}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	extprocv3.RegisterExternalProcessorServer(g, srv)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	h, err := New(Options{Bootstrap: b, ExtProcAddr: lis.Addr().String(), Upstreams: upstreams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, srv
}

// Reply builders.

func set(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: k, RawValue: []byte(v)}}
}

func reqHeaders(c *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{Response: c}}}
}

func reqBody(c *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: &extprocv3.BodyResponse{Response: c}}}
}

func respHeaders(c *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{Response: c}}}
}

func respBody(c *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{Response: c}}}
}

// passThrough answers every message with an empty reply of the matching type.
func passThrough(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return reqHeaders(nil)
	case *extprocv3.ProcessingRequest_RequestBody:
		return reqBody(nil)
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return respHeaders(nil)
	default:
		return respBody(nil)
	}
}

// routeTo sets x-route and clears the route cache in the request-body reply.
func routeTo(route string, clear bool) script {
	return func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		if req.GetRequestBody() != nil {
			return reqBody(&extprocv3.CommonResponse{
				HeaderMutation:  &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("x-route", route)}},
				ClearRouteCache: clear,
			})
		}
		return passThrough(req)
	}
}

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
