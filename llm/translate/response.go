package translate

import (
	"errors"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/sse"
)

// Sink receives the upstream's own events before they are translated, so usage is
// counted from what the provider sent (internal/provider.EventSink; the meter is one).
// Slices are valid only during the call.
type Sink interface {
	// Event takes one upstream event: its SSE name ("" when the framing has none) and data.
	Event(name string, data []byte)
	// Body takes a whole upstream body.
	Body(body []byte)
	// Fail reports that the upstream body can no longer be decoded.
	Fail(err error)
}

// Framing is how the upstream body is framed.
type Framing uint8

const (
	// FramingJSON is one JSON body (a response not streamed).
	FramingJSON Framing = iota
	// FramingSSE is server-sent events (Anthropic's and OpenAI's streams).
	FramingSSE
	// FramingEventStream is Bedrock's AWS event stream of Anthropic events.
	FramingEventStream
	// FramingEncoded is a content-encoded body (gzip, br…): it is not translated, the
	// client gets an error (tollgate asks upstreams of translations for no encoding).
	FramingEncoded
)

// MaxEventBytes bounds one upstream event (an SSE event, a Bedrock chunk) and a whole
// JSON body held for translation.
const MaxEventBytes = sse.DefaultMaxEventSize

// Errors of a response translation; each ends the client's response with an error in
// its API's shape.
var (
	// ErrTruncated: the upstream stream ended before its end event.
	ErrTruncated = errors.New("translate: the upstream stream ended before its end")
	// ErrMalformed: an upstream event or body is not what its API sends.
	ErrMalformed = errors.New("translate: the upstream sent an event that is not valid JSON of its API")
	// ErrUpstream: the upstream reported an error inside its stream.
	ErrUpstream = errors.New("translate: the upstream reported an error in its stream")
	// ErrTooLarge: one upstream event or body is over MaxEventBytes.
	ErrTooLarge = errors.New("translate: an upstream event exceeds the size limit")
	// ErrEncoded: the upstream body is content-encoded.
	ErrEncoded = errors.New("translate: the upstream response is content-encoded")
)

// streamer translates the upstream's events of one response into the client's bytes,
// appended to out. Not safe for concurrent use.
type streamer interface {
	// event takes one upstream SSE event (for the event stream: name "", data the
	// Anthropic event).
	event(out []byte, name string, data []byte) ([]byte, error)
	// end is the end of the upstream stream: out gets the client's last events, or an
	// error when the stream stopped short (ErrTruncated).
	end(out []byte) ([]byte, error)
	// body translates a whole upstream body.
	body(out []byte, body []byte) ([]byte, error)
	// fail appends the client's error event for err (e, when the upstream sent one).
	fail(out []byte, err error, e *api.Error) []byte
}

// Response translates one upstream response body into the client's, chunk by chunk as
// it arrives: the upstream's events are decoded once, each handed to the sink and then
// translated. Memory is bounded by the largest event, never by the response's length.
// It implements internal/provider.Translator. Not safe for concurrent use.
type Response struct {
	sink    Sink
	framing Framing
	st      streamer
	sse     *sse.Parser
	es      *eventstream.Decoder
	whole   []byte // a JSON body, until its end
	out     []byte
	err     error // the translation's error, once it failed
	decErr  bool  // the upstream framing stopped decoding
	skipped int   // upstream SSE events the parser skipped for their size
}

// NewResponse returns the translator of one response of exchange x, framed as f.
func NewResponse(x Exchange, f Framing, sink Sink) *Response {
	r := &Response{sink: sink, framing: f}
	switch x.Pair {
	case ChatToMessages:
		r.st = newChatFromMessages(x)
	case MessagesToChat:
		r.st = newMessagesFromChat(x)
	case ResponsesToMessages:
		r.st = newResponsesFromMessages(x)
	default:
		r.st = unsupportedStreamer{}
	}
	switch f {
	case FramingSSE:
		r.sse = sse.NewParser(MaxEventBytes, r.onEvent)
	case FramingEventStream:
		r.es = eventstream.NewDecoder(eventstream.Handler{
			Event:     func(ev []byte) { r.onEvent("", ev) },
			Exception: r.onException,
		})
	}
	return r
}

// Translate takes the next chunk of the upstream body (the whole body for JSON; end marks
// the last chunk) and returns the client's bytes for it, valid until the next call. On
// the first error out ends with the client's error event; later calls return no bytes
// and the same error, while the upstream's events still reach the sink.
func (r *Response) Translate(chunk []byte, end bool) ([]byte, error) {
	r.out = r.out[:0]
	failed := r.err != nil
	switch r.framing {
	case FramingJSON:
		r.json(chunk, end)
	case FramingSSE:
		r.decode(r.sse.Write(chunk))
		if n := r.sse.Skipped(); n > r.skipped {
			// An upstream event over the limit cannot reach the client: its stream ends
			// with an error. The parser goes on (it skipped the event without holding
			// it), so the events after it still reach the sink — the upstream bills them.
			r.skipped = n
			r.setErr(ErrTooLarge, nil)
		}
		if end {
			r.decode(r.sse.Finish())
		}
	case FramingEventStream:
		r.decode(r.es.Write(chunk))
		if end {
			r.decode(r.es.Finish())
		}
	case FramingEncoded:
		r.decode(ErrEncoded)
	}
	if end && r.err == nil && (r.framing == FramingSSE || r.framing == FramingEventStream) {
		var err error
		r.out, err = r.st.end(r.out)
		r.setErr(err, nil)
	}
	if failed {
		return nil, r.err
	}
	return r.out, r.err
}

// json gathers a JSON body and translates it at its end.
func (r *Response) json(chunk []byte, end bool) {
	if r.decErr {
		return
	}
	body := chunk
	if !end || len(r.whole) > 0 {
		if len(r.whole)+len(chunk) > MaxEventBytes {
			r.whole, r.decErr = nil, true
			r.sink.Fail(ErrTooLarge)
			r.setErr(ErrTooLarge, nil)
			return
		}
		r.whole = append(r.whole, chunk...)
		body = r.whole
	}
	if !end {
		return
	}
	r.sink.Body(body)
	var err error
	r.out, err = r.st.body(r.out, body)
	r.setErr(err, nil)
	r.whole = nil
}

// decode handles an error of the upstream framing: the sink stops, the client gets an
// error event.
func (r *Response) decode(err error) {
	if err == nil || r.decErr {
		return
	}
	r.decErr = true
	r.sink.Fail(err)
	if errors.Is(err, sse.ErrEventTooLarge) {
		err = ErrTooLarge
	}
	r.setErr(err, nil)
}

func (r *Response) onEvent(name string, data []byte) {
	r.sink.Event(name, data)
	if r.err != nil {
		return
	}
	var err error
	r.out, err = r.st.event(r.out, name, data)
	r.setErr(err, nil)
}

// onException is an exception message of Bedrock's event stream.
func (r *Response) onException(e eventstream.Exception) {
	r.setErr(ErrUpstream, e.APIError())
}

// setErr records the translation's first error and appends the client's error event.
func (r *Response) setErr(err error, e *api.Error) {
	if err == nil || r.err != nil {
		return
	}
	r.err = err
	r.out = r.st.fail(r.out, err, e)
}

// upstreamError is the api.Error the client gets for a translation error.
func upstreamError(err error, e *api.Error) *api.Error {
	if e != nil {
		return e
	}
	var ue *upstreamErr
	switch {
	case errors.As(err, &ue):
		return ue.e
	case errors.Is(err, ErrTruncated):
		return &api.Error{Status: 502, Message: "the upstream stream ended before its end"}
	case errors.Is(err, ErrTooLarge):
		return &api.Error{Status: 502, Message: "an upstream event exceeds the gateway's size limit"}
	case errors.Is(err, ErrEncoded):
		return &api.Error{Status: 502, Message: "the upstream response is content-encoded and cannot be translated"}
	}
	return &api.Error{Status: 502, Message: "the upstream response could not be translated"}
}

// unsupportedStreamer fails every response (a Pair without a translation).
type unsupportedStreamer struct{}

func (unsupportedStreamer) event(out []byte, _ string, _ []byte) ([]byte, error) {
	return out, ErrMalformed
}
func (unsupportedStreamer) end(out []byte) ([]byte, error)            { return out, nil }
func (unsupportedStreamer) body(out []byte, _ []byte) ([]byte, error) { return out, ErrMalformed }
func (unsupportedStreamer) fail(out []byte, err error, e *api.Error) []byte {
	return append(out, upstreamError(err, e).Body(api.OpenAIChat)...)
}
