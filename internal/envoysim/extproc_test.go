package envoysim

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestFailClosed(t *testing.T) {
	never := func(*extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse { return nil }
	wrongType := func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		if req.GetRequestHeaders() != nil {
			return reqBody(nil) // a body reply to a headers message
		}
		return passThrough(req)
	}
	badLength := func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		if req.GetRequestBody() != nil {
			return reqBody(&extprocv3.CommonResponse{
				HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("x-route", "one"), set("content-length", "3")}},
				BodyMutation:   &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: []byte("longer than three")}},
			})
		}
		return passThrough(req)
	}
	setHost := func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		if req.GetRequestHeaders() != nil {
			return reqHeaders(&extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{
				SetHeaders: []*corev3.HeaderValueOption{set("host", "evil.example.com")}}})
		}
		return passThrough(req)
	}
	tests := []struct {
		name    string
		script  script
		timeout string
		code    int
		details string
	}{
		{"message timeout", never, "0.05s", http.StatusGatewayTimeout, "ext_proc_error_per-message_timeout_exceeded"},
		{"mismatched reply", wrongType, "", http.StatusInternalServerError, "ext_proc_error_spurious_message"},
		{"content-length mismatch", badLength, "", http.StatusInternalServerError, "mismatch_between_content_length_and_the_length_of_the_mutated_body"},
		{"refused host mutation", setHost, "", http.StatusInternalServerError, "header_mutation_rejected:_invalid_attempt_to_modify_host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
			h, _ := start(t, setup{messageTimeout: tc.timeout}, tc.script, map[string]string{"one": up.URL, "two": up.URL})
			resp, _ := post(t, h.URL()+"/x", `{"a":1}`)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if n := len(up.requests()); n != 0 {
				t.Errorf("upstream got %d requests; a failed request must not reach it", n)
			}
			logs := h.AccessLog()
			if len(logs) != 1 || logs[0]["details"] != tc.details || logs[0]["status"] != float64(tc.code) {
				t.Errorf("access log %v, want details %q", logs, tc.details)
			}
		})
	}
}

func TestImmediateResponse(t *testing.T) {
	h, srv := start(t, setup{}, func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode_Unauthorized},
			Headers: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-type", "application/json")}},
			Body:    []byte(`{"error":"no"}`),
			Details: "bad_key",
		}}}
	}, nil)
	resp, body := post(t, h.URL()+"/x", `{}`)
	if resp.StatusCode != 401 || body != `{"error":"no"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Processing ends with the immediate response: no other message is sent.
	if got := srv.messages(); !slices.Equal(got, []string{"request_headers"}) {
		t.Errorf("messages %v", got)
	}
	if d := h.AccessLog()[0]["details"]; d != "bad_key" {
		t.Errorf("details %v", d)
	}
}

func TestRouteCache(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		script  script
		code    int
		route   string
		hitsOne int
	}{
		{"cleared: re-match on the mutated header", "/x", routeTo("one", true), 200, "one", 1},
		{"not cleared: the route chosen on the client's headers stays", "/x", routeTo("one", false), 404, "fallback", 0},
		{"clear without a header mutation is ignored", "/x", func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
			if req.GetRequestBody() != nil {
				return reqBody(&extprocv3.CommonResponse{ClearRouteCache: true})
			}
			return passThrough(req)
		}, 404, "fallback", 0},
		{"re-match on a rewritten :path prefix", "/x", func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
			if req.GetRequestHeaders() != nil {
				return reqHeaders(&extprocv3.CommonResponse{
					HeaderMutation:  &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set(":path", "/two/y")}},
					ClearRouteCache: true})
			}
			return passThrough(req)
		}, 200, "two", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			one := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
			two := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
			h, _ := start(t, setup{}, tc.script, map[string]string{"one": one.URL, "two": two.URL})
			resp, body := post(t, h.URL()+tc.path, `{"a":1}`)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.code)
			}
			if got := h.AccessLog()[0]["route"]; got != tc.route {
				t.Errorf("route %v, want %s", got, tc.route)
			}
			reqs := one.requests()
			if len(reqs) != tc.hitsOne {
				t.Fatalf("upstream one got %d requests, want %d", len(reqs), tc.hitsOne)
			}
			if tc.hitsOne == 1 {
				r := reqs[0]
				if r.host != "one.example.com" || r.header.Get("x-route") != "" || r.body != `{"a":1}` {
					t.Errorf("upstream saw host %q x-route %q body %q; want the rewritten host, the header removed, the body as sent",
						r.host, r.header.Get("x-route"), r.body)
				}
			}
			if tc.route == "two" && (len(two.requests()) != 1 || two.requests()[0].path != "/two/y") {
				t.Errorf("upstream two got %v", two.requests())
			}
		})
	}
}

func TestModeOverride(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(map[bool]string{false: "not allowed", true: "allowed"}[allow], func(t *testing.T) {
			up := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte("hello"))
			})
			s := routeTo("one", true)
			h, srv := start(t, setup{allowOverride: allow}, func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
				if req.GetResponseHeaders() != nil {
					r := respHeaders(nil)
					r.ModeOverride = &ext_procfilterv3.ProcessingMode{ResponseBodyMode: ext_procfilterv3.ProcessingMode_STREAMED}
					return r
				}
				if req.GetResponseBody() != nil {
					return respBody(&extprocv3.CommonResponse{BodyMutation: &extprocv3.BodyMutation{
						Mutation: &extprocv3.BodyMutation_Body{Body: []byte(strings.ToUpper(string(req.GetResponseBody().GetBody())))}}})
				}
				return s(req)
			}, map[string]string{"one": up.URL})
			resp, body := post(t, h.URL()+"/x", `{}`)
			msgs := srv.messages()
			bodies := 0
			for _, m := range msgs {
				if m == "response_body" {
					bodies++
				}
			}
			switch {
			case !allow && (bodies != 0 || body != "hello"):
				t.Errorf("override applied without allow_mode_override: messages %v body %q", msgs, body)
			case allow && (bodies == 0 || body != "HELLO"):
				t.Errorf("override not applied: messages %v body %q", msgs, body)
			case allow && resp.ContentLength != -1:
				t.Errorf("STREAMED response kept content-length %d", resp.ContentLength)
			}
		})
	}
}

func TestStreamedChunksAreForwardedAsTheyArrive(t *testing.T) {
	firstSeen, secondSeen := make(chan struct{}), make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: 1\n\n"))
		w.(http.Flusher).Flush()
		<-firstSeen // the second chunk only after the client got the first
		_, _ = w.Write([]byte("data: 2\n\n"))
		w.(http.Flusher).Flush()
		<-secondSeen // the end of the body in a read of its own
	})
	s := routeTo("one", true)
	h, srv := start(t, setup{allowOverride: true}, func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		if req.GetResponseHeaders() != nil {
			r := respHeaders(nil)
			r.ModeOverride = &ext_procfilterv3.ProcessingMode{ResponseBodyMode: ext_procfilterv3.ProcessingMode_STREAMED}
			return r
		}
		return s(req)
	}, map[string]string{"one": up.URL})
	resp, err := http.Post(h.URL()+"/x", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 9)
	if _, err := resp.Body.Read(buf); err != nil || string(buf) != "data: 1\n\n" {
		t.Fatalf("first chunk %q %v", buf, err)
	}
	close(firstSeen)
	rest := make([]byte, 64)
	n, _ := resp.Body.Read(rest)
	if string(rest[:n]) != "data: 2\n\n" {
		t.Fatalf("second chunk %q", rest[:n])
	}
	close(secondSeen)
	h.AccessLog() // wait for the exchange to finish
	msgs := srv.messages()
	// Two data chunks, then the empty end_of_stream chunk: the end came in a read of its own.
	if want := []string{"request_headers", "request_body", "response_headers", "response_body", "response_body", "response_body"}; !slices.Equal(msgs, want) {
		t.Errorf("messages %v, want %v", msgs, want)
	}
}

func TestAccessLogMetadata(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) })
	s := routeTo("one", true)
	h, _ := start(t, setup{}, func(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
		r := s(req)
		if req.GetResponseHeaders() != nil {
			md, _ := structpb.NewStruct(map[string]any{"kept": map[string]any{"n": 42}, "dropped": map[string]any{"n": 1}})
			r.DynamicMetadata = md
		}
		return r
	}, map[string]string{"one": up.URL})
	post(t, h.URL()+"/x?secret=1", `{}`)
	e := h.AccessLog()[0]
	want := map[string]any{"status": float64(201), "details": "via_upstream", "route": "one", "cluster": "one",
		"path": "/x?secret=1", "kept": float64(42), "dropped": nil, "text": "code=201 missing=-"}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s = %#v, want %#v", k, e[k], v)
		}
	}
	if got := h.UnsupportedOperators(); !slices.Equal(got, []string{"UPSTREAM_TRANSPORT_FAILURE_REASON"}) {
		t.Errorf("unsupported operators %v", got)
	}
}
