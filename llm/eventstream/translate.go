package eventstream

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// corruptMessage is the error event a client gets when the upstream stream cannot be
// decoded any further.
const corruptMessage = "the upstream event stream could not be decoded"

// Translator turns a Bedrock event stream into Anthropic server-sent events for an
// Anthropic-API client: each chunk's event becomes `event: <type>\ndata: <json>\n\n`
// (the JSON byte for byte), each exception an `error` event. Not safe for concurrent use.
type Translator struct {
	dec    *Decoder
	h      Handler
	out    []byte
	failed bool
}

// NewTranslator returns a Translator; h (either field may be nil) also sees every event
// and exception, for metering.
func NewTranslator(h Handler) *Translator {
	t := &Translator{h: h}
	t.dec = NewDecoder(Handler{Event: t.event, Exception: t.exception})
	return t
}

// Write translates one chunk of the event stream and returns the SSE bytes to send in
// its place (possibly none, while a frame is incomplete). out is reused: it is valid
// until the next call. When decoding fails, out ends with an Anthropic error event, the
// error is returned, and every later call returns no bytes and the same error.
func (t *Translator) Write(chunk []byte) (out []byte, err error) {
	t.out = t.out[:0]
	if t.failed {
		return nil, t.dec.Err()
	}
	if err := t.dec.Write(chunk); err != nil {
		return t.fail(), err
	}
	return t.out, nil
}

// Finish ends the stream: when it stopped inside a frame it returns an error event to
// send and ErrTruncated.
func (t *Translator) Finish() (out []byte, err error) {
	t.out = t.out[:0]
	if t.failed {
		return nil, t.dec.Err()
	}
	if err := t.dec.Finish(); err != nil {
		return t.fail(), err
	}
	return nil, nil
}

// Translate is Write, then Finish when end is set: the SSE bytes for chunk (and, at the
// end, the error event of a stream that stopped inside a frame). out is reused as
// Write's is.
func (t *Translator) Translate(chunk []byte, end bool) (out []byte, err error) {
	t.out = t.out[:0]
	if t.failed {
		return nil, t.dec.Err()
	}
	if err := t.dec.Write(chunk); err != nil {
		return t.fail(), err
	}
	if end {
		if err := t.dec.Finish(); err != nil {
			return t.fail(), err
		}
	}
	return t.out, nil
}

func (t *Translator) fail() []byte {
	t.failed = true
	e := api.Error{Status: 502, Message: corruptMessage, Type: "api_error"}
	t.out = appendSSE(t.out, "error", e.Body(api.AnthropicMessages))
	return t.out
}

// Metrics returns Bedrock's invocation metrics, once the message_stop event was seen.
func (t *Translator) Metrics() (InvocationMetrics, bool) { return t.dec.Metrics() }

func (t *Translator) event(ev []byte) {
	typ := ""
	if len(ev) > 0 {
		typ = gjson.Get(unsafe.String(&ev[0], len(ev)), "type").Str
	}
	if strings.ContainsAny(typ, "\r\n") {
		typ = "" // never let a field value break the SSE framing
	}
	t.out = appendSSE(t.out, typ, ev)
	if t.h.Event != nil {
		t.h.Event(ev)
	}
}

func (t *Translator) exception(e Exception) {
	t.out = appendSSE(t.out, "error", e.APIError().Body(api.AnthropicMessages))
	if t.h.Exception != nil {
		t.h.Exception(e)
	}
}

// appendSSE appends one SSE event. JSON may hold raw newlines (insignificant
// whitespace); each line then goes in its own data: line, which SSE joins back.
func appendSSE(b []byte, typ string, data []byte) []byte {
	if typ != "" {
		b = append(b, "event: "...)
		b = append(b, typ...)
		b = append(b, '\n')
	}
	for {
		i := bytes.IndexAny(data, "\r\n")
		b = append(b, "data: "...)
		if i < 0 {
			b = append(b, data...)
			break
		}
		b = append(b, data[:i]...)
		b = append(b, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(b, '\n', '\n')
}
