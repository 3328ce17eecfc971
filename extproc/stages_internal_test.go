package extproc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/sse"
)

// shouting is a provider whose plan translates its SSE with shout: how a client/provider
// pair that needs translation plugs in, without the state machine knowing it.
type shouting struct{ provider.Provider }

func (shouting) PlanResponse(r provider.Response) provider.ResponsePlan {
	return provider.ResponsePlan{Body: provider.BodyTranslate, Stream: true, Translator: newShout}
}

// shout parses the upstream SSE once, hands every event to the meter, and sends the
// client each event's data upper-cased. An event named "boom" is an error of its own,
// not the stream's: the client's stream ends, and the meter goes on being fed.
type shout struct {
	p    *sse.Parser
	sink provider.EventSink
	out  []byte
	err  error
}

func newShout(sink provider.EventSink) provider.Translator {
	s := &shout{sink: sink}
	s.p = sse.NewParser(0, s.event)
	return s
}

func (s *shout) event(name string, data []byte) {
	s.sink.Event(name, data)
	switch {
	case s.err != nil:
	case name == "boom":
		s.err = errors.New("shout: cannot translate a boom")
		s.out = append(s.out, "event: error\ndata: boom\n\n"...)
	default:
		s.out = append(append(append(s.out, "data: "...), bytes.ToUpper(data)...), "\n\n"...)
	}
}

func (s *shout) Translate(chunk []byte, end bool) ([]byte, error) {
	s.out = s.out[:0]
	failed := s.err != nil
	if err := s.p.Write(chunk); err != nil {
		s.sink.Fail(err)
	}
	if failed {
		return nil, s.err
	}
	return s.out, s.err
}

// TestTranslatorErrorDoesNotStopMetering: a translator's own error ends the client's
// stream, but the upstream goes on (and bills): the meter, fed by the translator's one
// decode, counts the usage that follows, and no metering error is recorded.
func TestTranslatorErrorDoesNotStopMetering(t *testing.T) {
	rt := benchRuntime(t)
	reg := prometheus.NewRegistry()
	srv := New(rt, Options{Metrics: metrics.New(reg)})
	st := newStream(srv, srv.runtime.Load())
	body := []byte(`{"model":"gpt-4.1","stream":true,"messages":[]}`)
	st.onRequestHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/chat/completions")},
		{Key: "x-api-key", RawValue: []byte("alice-key")},
	}}})
	if st.onRequestBody(&extprocv3.HttpBody{Body: body, EndOfStream: true}).GetRequestBody() == nil {
		t.Fatal("rejected")
	}
	st.prov = shouting{st.prov}
	hr := st.onResponseHeaders(&extprocv3.HttpHeaders{Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
		{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte(api.MediaSSE)},
	}}})
	if hr.GetModeOverride() == nil {
		t.Fatal("the translated body is not read")
	}
	chunks := []string{
		"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n",
		"event: boom\ndata: {}\n\n",
		"data: {\"choices\":[{\"delta\":{\"content\":\"more\"}}]}\n\n",
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n",
	}
	var client strings.Builder
	for i, c := range chunks {
		resp := st.onResponseBody(&extprocv3.HttpBody{Body: []byte(c), EndOfStream: i == len(chunks)-1})
		bm := resp.GetResponseBody().GetResponse().GetBodyMutation()
		if bm == nil {
			t.Fatalf("chunk %d reached the client untranslated", i)
		}
		client.Write(bm.GetBody())
	}
	if want := "data: {\"CHOICES\":[{\"DELTA\":{\"CONTENT\":\"HI\"}}]}\n\nevent: error\ndata: boom\n\n"; client.String() != want {
		t.Errorf("client got %q, want %q", client.String(), want)
	}
	if !st.done {
		t.Fatal("the request was not recorded at the end of the stream")
	}
	m := srv.metrics
	for typ, want := range map[string]float64{"input": 11, "output": 7} {
		if got := testutil.ToFloat64(m.Tokens.WithLabelValues("platform", "gpt-4.1", "openai", typ)); got != want {
			t.Errorf("%s tokens = %v, want %v (metered after the translation error)", typ, got, want)
		}
	}
	if n := testutil.CollectAndCount(m.MeteringErrors); n != 0 {
		t.Errorf("%d metering errors: the translator's error is not the meter's", n)
	}
}
