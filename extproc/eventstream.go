package extproc

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/usage"
)

// eventStreamFramer feeds a Bedrock event stream's Anthropic events to the meter's
// extractor, and for Anthropic-API clients also produces the SSE to send instead.
type eventStreamFramer struct {
	dec *eventstream.Decoder    // metering only (Bedrock-native clients)
	tr  *eventstream.Translator // translating (Anthropic-API clients)
	out []byte                  // the SSE of the last Write or Finish; reused
}

func (f *eventStreamFramer) Write(p []byte) error {
	if f.tr == nil {
		return f.dec.Write(p)
	}
	out, err := f.tr.Write(p)
	f.out = append(f.out, out...)
	return err
}

func (f *eventStreamFramer) Finish() error {
	if f.tr == nil {
		return f.dec.Finish()
	}
	out, err := f.tr.Finish()
	f.out = append(f.out, out...)
	return err
}

func (f *eventStreamFramer) metrics() (eventstream.InvocationMetrics, bool) {
	if f.tr != nil {
		return f.tr.Metrics()
	}
	return f.dec.Metrics()
}

// setupEventStream meters an AWS event-stream response; for an Anthropic-API client it
// also turns it into Anthropic SSE: content-type becomes text/event-stream and
// content-length goes (the body changes size).
func (st *stream) setupEventStream(reply *extprocv3.HeadersResponse) {
	r := &st.resp
	translate := st.kind == api.AnthropicMessages
	r.meter = metering.NewWithFramer(st.kind, "", st.meterLimits(), func(ex usage.Extractor, _ metering.Limits) metering.Framer {
		h := eventstream.Handler{Event: func(ev []byte) { ex.Event("", ev) }}
		f := &eventStreamFramer{}
		if translate {
			f.tr = eventstream.NewTranslator(h)
		} else {
			f.dec = eventstream.NewDecoder(h)
		}
		r.events = f
		return f
	})
	if !translate {
		return
	}
	r.rewriteChunk = func(chunk []byte, endOfStream bool) []byte {
		// onResponseBody already wrote chunk through the meter to the framer (after
		// emptying f.out); the end of the stream flushes what is left.
		if endOfStream {
			r.meter.Finish()
		}
		return r.events.out
	}
	reply.Response = &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{
		SetHeaders:    []*corev3.HeaderValueOption{setHeader("content-type", contentTypeSSE)},
		RemoveHeaders: []string{"content-length"},
	}}
}
