package provider

import (
	"net/http"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
)

// PlanResponse handles what Bedrock answers differently from Anthropic's API, for an
// Anthropic-API client: its event stream becomes Anthropic SSE, its JSON errors and
// its CountTokens answer are reshaped. Bedrock-native clients get Bedrock's responses
// as they are (TranslateError leaves their errors unchanged).
func (p *bedrockProvider) PlanResponse(r Response) ResponsePlan {
	mt := api.MediaType(r.ContentType)
	switch {
	case r.Status >= http.StatusBadRequest:
		if mt == api.MediaJSON {
			return ResponsePlan{Body: BodyReshape, Reshape: func(b []byte) []byte { return p.TranslateError(r.Client, r.Status, b) }}
		}
	case r.Client == api.AnthropicCountTokens:
		if mt == api.MediaJSON {
			return ResponsePlan{Body: BodyReshape, Reshape: func(b []byte) []byte { out, _ := BedrockCountTokensResponse(b); return out }}
		}
	case r.Client == api.AnthropicMessages && mt == api.MediaEventStream:
		plan := ResponsePlan{
			Body: BodyTranslate, Stream: true, Upstream: api.BedrockInvokeStream,
			Translator: newBedrockSSE,
			// The client gets Anthropic SSE, of another length than the event stream.
			SetHeaders:    []HeaderValue{{Key: "content-type", Value: api.MediaSSE}},
			RemoveHeaders: []string{"content-length"},
		}
		if r.ContentEncoding != "" {
			// tollgate asks for identity (Prepare), but a proxy may compress: decode first,
			// and the client gets identity SSE. An encoding tollgate cannot decode ends the
			// client's stream with an error event that names it (compressedBedrockSSE).
			plan.Translator = newCompressedBedrockSSE(r.ContentEncoding)
			plan.RemoveHeaders = append(plan.RemoveHeaders, "content-encoding")
		}
		return plan
	}
	return DefaultPlan(r)
}

// bedrockSSE translates Bedrock's event stream into Anthropic SSE: one decode, whose
// events go to the meter and, re-framed, to the client.
type bedrockSSE struct {
	tr     *eventstream.Translator
	sink   EventSink
	failed bool
}

func newBedrockSSE(sink EventSink) Translator {
	t := &bedrockSSE{sink: sink}
	t.tr = eventstream.NewTranslator(eventstream.Handler{Event: t.event})
	return t
}

func (t *bedrockSSE) event(ev []byte) { t.sink.Event("", ev) }

// Translate re-frames the chunk's events. Its only errors are the stream's own (a frame
// that does not decode, a stream ending inside one), so the meter stops with them.
func (t *bedrockSSE) Translate(chunk []byte, end bool) ([]byte, error) {
	out, err := t.tr.Translate(chunk, end)
	if err != nil && !t.failed {
		t.failed = true
		t.sink.Fail(err)
	}
	return out, err
}
