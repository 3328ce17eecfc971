package filter_test

import (
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

func set(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: k, RawValue: []byte(v)}}
}

func replaceBody(b string) *extprocv3.BodyMutation {
	return &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: []byte(b)}}
}

// callWith answers req with a reply carrying c and returns it.
func callWith(t *testing.T, cfg *filter.Config, req *extprocv3.ProcessingRequest, c *extprocv3.CommonResponse) (*filter.Stream, *extprocv3.ProcessingResponse) {
	t.Helper()
	s := begin(t, cfg, serve(t, func(req *extprocv3.ProcessingRequest) []step { return reply(answerWith(req, c)) }))
	resp, f := s.Call(req)
	if f != nil {
		t.Fatal(f)
	}
	return s, resp
}

func TestHeadersReply(t *testing.T) {
	streamed := filter.Mode{RequestBody: ext_procv3.ProcessingMode_STREAMED}
	buffered := filter.Mode{RequestBody: ext_procv3.ProcessingMode_BUFFERED}
	tests := []struct {
		name         string
		mode         filter.Mode
		common       *extprocv3.CommonResponse
		wantHeaders  filter.Headers
		wantBody     string
		wantReplaced bool
		wantMode     ext_procv3.ProcessingMode_BodySendMode
	}{
		{"content-length set in BUFFERED mode", buffered,
			&extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-length", "9"), set("x-a", "1")}}},
			filter.Of("content-length", "9", "x-a", "1"), "{}", false, ext_procv3.ProcessingMode_BUFFERED},
		{"content-length set skipped in STREAMED mode", streamed,
			&extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-length", "9"), set("x-a", "1")}}},
			filter.Of("content-length", "2", "x-a", "1"), "{}", false, ext_procv3.ProcessingMode_STREAMED},
		{"CONTINUE_AND_REPLACE replaces the body and ends the body messages", buffered,
			&extprocv3.CommonResponse{Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE, BodyMutation: replaceBody("new")},
			filter.Headers{}, "new", true, ext_procv3.ProcessingMode_NONE},
		{"CONTINUE_AND_REPLACE without a body mutation keeps the body", buffered,
			&extprocv3.CommonResponse{Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE},
			filter.Of("content-length", "2"), "{}", false, ext_procv3.ProcessingMode_NONE},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, resp := callWith(t, &filter.Config{Mode: tc.mode}, reqHeaders, tc.common)
			h := filter.Of("content-length", "2")
			body, replaced, f := s.HeadersReply(resp, &h, []byte("{}"))
			if f != nil {
				t.Fatal(f)
			}
			if len(h) != len(tc.wantHeaders) || (len(h) > 0 && !equal(h, tc.wantHeaders)) || string(body) != tc.wantBody ||
				replaced != tc.wantReplaced || s.Mode().RequestBody != tc.wantMode {
				t.Errorf("headers %v body %q replaced %v mode %v; want %v %q %v %v", h, body, replaced, s.Mode().RequestBody,
					tc.wantHeaders, tc.wantBody, tc.wantReplaced, tc.wantMode)
			}
		})
	}
}

func equal(a, b filter.Headers) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBodyReply(t *testing.T) {
	mismatch := &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-length", "3")}},
		BodyMutation: replaceBody("longer than three")}
	s, resp := callWith(t, nil, reqBody, mismatch)
	h := filter.Of("content-length", "2")
	if _, f := s.BodyReply(resp, &h, []byte("{}")); f == nil || f.Status != 500 ||
		f.Details != "mismatch_between_content_length_and_the_length_of_the_mutated_body" {
		t.Errorf("failure %v, want the content-length mismatch", f)
	}
	refused := &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("host", "evil")}}}
	s, resp = callWith(t, &filter.Config{Mutations: mustChecker(t, true)}, reqBody, refused)
	if _, f := s.BodyReply(resp, &h, nil); f == nil || f.Details != "header_mutation_rejected:_invalid_attempt_to_modify_host" {
		t.Errorf("failure %v, want the refused host mutation", f)
	}
	ok := &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{set("content-length", "3")}},
		BodyMutation: replaceBody("abc"), ClearRouteCache: true}
	s, resp = callWith(t, nil, reqBody, ok)
	h = filter.Of("content-length", "2")
	body, f := s.BodyReply(resp, &h, []byte("{}"))
	if f != nil || string(body) != "abc" || !filter.ClearsRouteCache(resp) {
		t.Errorf("body %q, failure %v, clears %v", body, f, filter.ClearsRouteCache(resp))
	}
}
