package extproc

import (
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// TestModelListRenderedOncePerRuntime: GET /v1/models is answered from bytes rendered
// when the Runtime was installed (its `created` is that moment), not per request.
func TestModelListRenderedOncePerRuntime(t *testing.T) {
	rt := benchRuntime(t)
	var tick int64
	srv := New(rt, Options{Now: func() time.Time { tick++; return time.Unix(1_700_000_000+tick, 0) }})
	list := func() string {
		st := newStream(srv, srv.runtime.Load())
		ir := st.onRequestHeaders(&extprocv3.HttpHeaders{EndOfStream: true, Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
			{Key: ":method", RawValue: []byte("GET")}, {Key: ":path", RawValue: []byte("/v1/models")},
			{Key: "x-api-key", RawValue: []byte("alice-key")},
		}}}).GetImmediateResponse()
		if ir.GetStatus().GetCode() != 200 {
			t.Fatalf("GET /v1/models: %v", ir)
		}
		return string(ir.GetBody())
	}
	first := list()
	if again := list(); again != first {
		t.Errorf("the list changed between two requests:\n%s\n%s", first, again)
	}
	srv.SetRuntime(rt)
	if list() == first {
		t.Error("installing a Runtime did not render the list anew")
	}
}
