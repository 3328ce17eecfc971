package filter_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

func TestCallFailures(t *testing.T) {
	never := []step{{wait: time.Hour}}
	tests := []struct {
		name    string
		cfg     filter.Config
		script  func(*extprocv3.ProcessingRequest) []step
		status  int
		details string
		err     string
	}{
		{name: "a reply of another type is a spurious message",
			script: func(*extprocv3.ProcessingRequest) []step { return reply(answer(reqBody)) },
			status: 500, details: "ext_proc_error_spurious_message", err: "request_body reply in reply to request_headers"},
		{name: "a reply without a response is a spurious message",
			script: func(*extprocv3.ProcessingRequest) []step { return reply(&extprocv3.ProcessingResponse{}) },
			status: 500, details: "ext_proc_error_spurious_message", err: "reply without a response in reply to request_headers"},
		{name: "a gRPC error fails closed",
			script: func(*extprocv3.ProcessingRequest) []step {
				return []step{{end: true, err: status.Error(codes.Internal, "boom")}}
			},
			status: 500, details: "ext_proc_error_gRPC_error_13{boom}", err: "awaiting the reply to request_headers: rpc error: code = Internal desc = boom"},
		{name: "no reply within message_timeout",
			cfg:    filter.Config{MessageTimeout: 50 * time.Millisecond},
			script: func(*extprocv3.ProcessingRequest) []step { return never },
			status: http.StatusGatewayTimeout, details: "ext_proc_error_per-message_timeout_exceeded", err: "no reply to request_headers within 50ms"},
		{name: "override_message_timeout beyond max_message_timeout is ignored",
			cfg: filter.Config{MessageTimeout: 50 * time.Millisecond, MaxMessageTimeout: time.Second},
			script: func(*extprocv3.ProcessingRequest) []step {
				return []step{{reply: &extprocv3.ProcessingResponse{OverrideMessageTimeout: durationpb.New(2 * time.Second)}}, {wait: time.Hour}}
			},
			status: http.StatusGatewayTimeout, details: "ext_proc_error_per-message_timeout_exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := begin(t, &tc.cfg, serve(t, tc.script))
			resp, f := s.Call(reqHeaders)
			if resp != nil || f == nil {
				t.Fatalf("Call = %v, %v; want a failure", resp, f)
			}
			if f.Status != tc.status || f.Details != tc.details || !strings.Contains(f.Error(), tc.err) {
				t.Errorf("failure %d %q %q, want %d %q containing %q", f.Status, f.Details, f, tc.status, tc.details, tc.err)
			}
			if !s.Complete() {
				t.Error("the stream goes on after a failure")
			}
			if resp, f := s.Call(reqBody); resp != nil || f != nil {
				t.Errorf("Call after the failure = %v, %v; want nothing sent", resp, f)
			}
		})
	}
}

// failure_mode_allow: the request goes on without the server.
func TestFailureModeAllow(t *testing.T) {
	s := begin(t, &filter.Config{MessageTimeout: 20 * time.Millisecond, FailureModeAllow: true},
		serve(t, func(*extprocv3.ProcessingRequest) []step { return []step{{wait: time.Hour}} }))
	if resp, f := s.Call(reqHeaders); resp != nil || f != nil || !s.Complete() {
		t.Errorf("Call = %v, %v (complete %v); want nil, nil and the stream complete", resp, f, s.Complete())
	}
}

// A clean end of the stream by the server: Envoy carries on without it.
func TestServerClosesCleanly(t *testing.T) {
	s := begin(t, nil, serve(t, func(*extprocv3.ProcessingRequest) []step { return []step{{end: true}} }))
	if resp, f := s.Call(reqHeaders); resp != nil || f != nil || !s.Complete() {
		t.Errorf("Call = %v, %v (complete %v); want nil, nil and the stream complete", resp, f, s.Complete())
	}
}

func TestOverrideMessageTimeoutRestartsTheWait(t *testing.T) {
	s := begin(t, &filter.Config{MessageTimeout: 100 * time.Millisecond, MaxMessageTimeout: 10 * time.Second},
		serve(t, func(req *extprocv3.ProcessingRequest) []step {
			return []step{{reply: &extprocv3.ProcessingResponse{OverrideMessageTimeout: durationpb.New(5 * time.Second)}},
				{wait: 400 * time.Millisecond, reply: answer(req)}}
		}))
	if resp, f := s.Call(reqHeaders); f != nil || resp.GetRequestHeaders() == nil {
		t.Fatalf("Call = %v, %v; want the late reply", resp, f)
	}
}

func TestImmediateResponseCompletesTheStream(t *testing.T) {
	ir := &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
		Status:  &typev3.HttpStatus{Code: 100},
		Headers: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-type", "application/json"), set("host", "refused")}},
		Body:    []byte("{}"), Details: "nope"}}}
	s := begin(t, nil, serve(t, func(*extprocv3.ProcessingRequest) []step { return reply(ir) }))
	resp, f := s.Call(reqHeaders)
	if f != nil || resp.GetImmediateResponse() == nil || !s.Complete() {
		t.Fatalf("Call = %v, %v", resp, f)
	}
	lr := s.Immediate(resp.GetImmediateResponse())
	if lr.Status != 200 || len(lr.Headers) != 1 || lr.Headers[0] != (filter.Header{Key: "content-type", Value: "application/json"}) ||
		string(lr.Body) != "{}" || lr.Details != "nope" {
		t.Errorf("local reply %+v: want 200 (below 200), the content-type only (host refused), the body and details", lr)
	}
}

func TestModeOverride(t *testing.T) {
	streamed := ext_procv3.ProcessingMode_STREAMED
	base := filter.Mode{RequestBody: ext_procv3.ProcessingMode_BUFFERED, ResponseHeader: ext_procv3.ProcessingMode_SEND}
	override := &ext_procv3.ProcessingMode{RequestHeaderMode: ext_procv3.ProcessingMode_SKIP, ResponseBodyMode: streamed}
	overridden := filter.Mode{ResponseBody: streamed} // request_header_mode is kept (DEFAULT)
	tests := []struct {
		name string
		cfg  filter.Config
		req  *extprocv3.ProcessingRequest
		want filter.Mode
	}{
		{"not allowed", filter.Config{Mode: base}, respHeaders, base},
		{"allowed on a headers reply", filter.Config{Mode: base, AllowModeOverride: true}, respHeaders, overridden},
		{"ignored on a body reply", filter.Config{Mode: base, AllowModeOverride: true}, reqBody, base},
		{"listed in allowed_override_modes", filter.Config{Mode: base, AllowModeOverride: true,
			AllowedOverrideModes: []filter.Mode{{ResponseBody: streamed, RequestHeader: ext_procv3.ProcessingMode_SEND}}}, respHeaders, overridden},
		{"not listed in allowed_override_modes", filter.Config{Mode: base, AllowModeOverride: true,
			AllowedOverrideModes: []filter.Mode{{ResponseBody: ext_procv3.ProcessingMode_BUFFERED}}}, respHeaders, base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := begin(t, &tc.cfg, serve(t, func(req *extprocv3.ProcessingRequest) []step {
				r := answer(req)
				r.ModeOverride = override
				return reply(r)
			}))
			if _, f := s.Call(tc.req); f != nil {
				t.Fatal(f)
			}
			if s.Mode() != tc.want {
				t.Errorf("mode %+v, want %+v", s.Mode(), tc.want)
			}
		})
	}
}

func TestMetadataKeepsReceivingNamespaces(t *testing.T) {
	md := func(v map[string]any) *structpb.Struct { s, _ := structpb.NewStruct(v); return s }
	replies := map[string]*structpb.Struct{
		"request_headers":  md(map[string]any{"kept": map[string]any{"a": 1, "b": 1}, "dropped": map[string]any{"a": 1}}),
		"response_headers": md(map[string]any{"kept": map[string]any{"b": 2}}),
	}
	s := begin(t, &filter.Config{Namespaces: []string{"kept"}}, serve(t, func(req *extprocv3.ProcessingRequest) []step {
		r := answer(req)
		r.DynamicMetadata = replies[filter.MessageName(req)]
		return reply(r)
	}))
	for _, m := range []*extprocv3.ProcessingRequest{reqHeaders, reqBody, respHeaders} {
		if _, f := s.Call(m); f != nil {
			t.Fatal(f)
		}
	}
	got := s.Metadata()
	if len(got) != 1 || got["kept"].AsMap()["a"] != 1.0 || got["kept"].AsMap()["b"] != 2.0 {
		t.Errorf("metadata %v, want kept:{a:1, b:2} only", got)
	}
}

func TestCloseWantsACleanEnd(t *testing.T) {
	s := begin(t, nil, serve(t, func(req *extprocv3.ProcessingRequest) []step { return reply(answer(req)) }))
	if _, f := s.Call(reqHeaders); f != nil {
		t.Fatal(f)
	}
	if err := s.Close(time.Second); err != nil {
		t.Errorf("Close: %v", err)
	}
	// A server that answers once more after the last message.
	s = begin(t, nil, serve(t, func(req *extprocv3.ProcessingRequest) []step {
		return []step{{reply: answer(req)}, {wait: 10 * time.Millisecond, reply: answer(req)}}
	}))
	if _, f := s.Call(reqHeaders); f != nil {
		t.Fatal(f)
	}
	if err := s.Close(time.Second); err == nil || !strings.Contains(err.Error(), "unexpected request_headers reply after the last message") {
		t.Errorf("Close = %v", err)
	}
	// A stream never opened closes at once.
	if err := begin(t, nil, nil).Close(0); err != nil {
		t.Errorf("Close of an unopened stream: %v", err)
	}
}

// Begin starts the next request on the same Stream with the Config's mode again.
func TestBeginResets(t *testing.T) {
	c := serve(t, func(req *extprocv3.ProcessingRequest) []step {
		r := answer(req)
		r.ModeOverride = &ext_procv3.ProcessingMode{ResponseBodyMode: ext_procv3.ProcessingMode_STREAMED}
		return reply(r)
	})
	s := begin(t, &filter.Config{AllowModeOverride: true}, c)
	for i := range 3 {
		if s.Mode().ResponseBody != ext_procv3.ProcessingMode_NONE {
			t.Fatalf("request %d starts in mode %+v", i, s.Mode())
		}
		var into extprocv3.ProcessingResponse
		if r, f := s.CallInto(respHeaders, &into); f != nil || r != &into {
			t.Fatalf("CallInto = %p, %v; want the reply in place", r, f)
		}
		if err := s.Close(time.Second); err != nil {
			t.Fatal(err)
		}
		s.Begin(t.Context())
	}
}
