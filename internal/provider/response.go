package provider

import (
	"net/http"

	"github.com/tollgate/tollgate/llm/api"
)

// Response is what a provider is told of an upstream response before its body: enough
// to plan what happens to the body.
type Response struct {
	// Client is the API the client speaks (the request's kind).
	Client api.Kind
	Status int
	// ContentType and ContentEncoding are the response's header values as sent.
	ContentType     string
	ContentEncoding string
}

// BodyAction is what tollgate does with a response body.
type BodyAction uint8

const (
	// BodyPass lets the body reach the client unread. Errors, token counts and content
	// types without usage pass.
	BodyPass BodyAction = iota
	// BodyMeter reads the body for usage as it passes; the client gets it unchanged.
	BodyMeter
	// BodyTranslate sends the client the Translator's output instead of the body. The
	// usage is counted from the upstream's own events, which the translator hands to
	// the meter before translating them.
	BodyTranslate
	// BodyReshape reads the whole body, unmetered, and sends the client what Reshape
	// makes of it: an error or a token count in the client's API shape.
	BodyReshape
)

// ResponsePlan is a provider's answer to a Response: what happens to the body, and the
// response headers to change for the client.
type ResponsePlan struct {
	Body BodyAction
	// Stream reads the body chunk by chunk as it arrives (event streams); otherwise it
	// is read whole, in one piece. BodyReshape always reads it whole.
	Stream bool
	// Upstream is the API the body is in, whose usage extractor meters it; zero means
	// the client's API (no translation).
	Upstream api.Kind
	// Translator builds the response's translator (BodyTranslate); the translator
	// hands each upstream event it decodes to sink, the meter.
	Translator func(sink EventSink) Translator
	// Reshape turns a whole body into the client's (BodyReshape); nil leaves the body
	// unchanged. A body replaced whole is JSON.
	Reshape func(body []byte) []byte
	// SetHeaders and RemoveHeaders change the response headers the client gets (for
	// example content-type for a translated stream; content-length when the body
	// changes size). RemoveHeaders are removed first.
	SetHeaders    []HeaderValue
	RemoveHeaders []string
}

// Translator turns an upstream body into the client's, as a stage of its own: it
// decodes the body once, hands each upstream event (or a whole body) to its EventSink
// before translating it, and produces the client's bytes. Not safe for concurrent use.
type Translator interface {
	// Translate takes the next chunk of the upstream body (the whole body when the
	// plan reads it whole; end marks the last chunk) and returns the bytes the client
	// gets in its place, possibly none; out is valid until the next call. On an error
	// out ends the client's response with an error in the client's API shape, and every
	// later call returns no bytes. A translator whose upstream body stops decoding also
	// tells its sink (Fail); after an error of its own it keeps feeding the sink what it
	// can still decode, since the upstream bills it.
	Translate(chunk []byte, end bool) (out []byte, err error)
}

// EventSink receives the upstream's own events from a Translator, before translation:
// usage is counted from what the provider sent, not from what the client gets.
// *metering.Meter is one. Slices are valid only during the call.
type EventSink interface {
	// Event takes one upstream event: its SSE name ("" when the framing has none) and
	// its data.
	Event(name string, data []byte)
	// Body takes a whole upstream body.
	Body(body []byte)
	// Fail reports that the upstream body can no longer be decoded.
	Fail(err error)
}

// DefaultPlan is the plan of a provider whose responses reach the client as they are
// (the provider speaks the client's API): event streams (SSE; AWS event streams not
// content-encoded) are metered chunk by chunk, JSON bodies whole, and errors, token
// counts and anything else pass unread.
func DefaultPlan(r Response) ResponsePlan {
	if r.Status >= http.StatusBadRequest || r.Client.CountsTokens() {
		return ResponsePlan{} // no usage in them
	}
	switch mt := api.MediaType(r.ContentType); {
	case mt == api.MediaSSE:
		return ResponsePlan{Body: BodyMeter, Stream: true}
	case mt == api.MediaEventStream: // encoded or not: the meter decodes (an unknown encoding is a metering error)
		return ResponsePlan{Body: BodyMeter, Stream: true}
	case api.IsJSON(mt):
		return ResponsePlan{Body: BodyMeter}
	}
	return ResponsePlan{}
}

// defaultResponses gives a provider DefaultPlan as its PlanResponse; providers that
// speak their clients' APIs embed it.
type defaultResponses struct{}

func (defaultResponses) PlanResponse(r Response) ResponsePlan { return DefaultPlan(r) }
