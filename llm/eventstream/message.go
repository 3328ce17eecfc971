package eventstream

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"unsafe"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tidwall/gjson"
)

// dispatch hands one decoded message to the handler: a chunk event's model JSON, or an
// exception. Other event types are ignored.
func (d *Decoder) dispatch(msg awses.Message) error {
	switch headerString(msg.Headers, ":message-type") {
	case "event":
		if headerString(msg.Headers, ":event-type") != "chunk" {
			return nil
		}
		return d.chunk(msg.Payload)
	case "exception":
		if d.h.Exception != nil {
			d.h.Exception(Exception{
				Type:    headerString(msg.Headers, ":exception-type"),
				Message: gjson.GetBytes(msg.Payload, "message").String(),
				Payload: msg.Payload,
			})
		}
	case "error":
		if d.h.Exception != nil {
			d.h.Exception(Exception{
				Type:    headerString(msg.Headers, ":error-code"),
				Message: headerString(msg.Headers, ":error-message"),
				Payload: msg.Payload,
			})
		}
	}
	return nil
}

// chunk decodes a chunk payload {"bytes":"<base64>"} into the reused event buffer.
func (d *Decoder) chunk(payload []byte) error {
	b64, err := chunkBytes(payload)
	if err != nil {
		return err
	}
	d.event = growTo(d.event, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(d.event[:cap(d.event)], b64)
	if err != nil {
		return fmt.Errorf("%w: chunk bytes: %v", ErrMalformed, err)
	}
	ev := d.event[:n]
	if bytes.Contains(ev, metricsKey) {
		d.metrics, d.hasMetrics = parseMetrics(ev)
	}
	if d.h.Event != nil {
		d.h.Event(ev)
	}
	return nil
}

// chunkBytes returns the base64 text of the payload's "bytes" field, sliced from the
// payload itself when it has no JSON escapes.
func chunkBytes(payload []byte) ([]byte, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: empty chunk", ErrMalformed)
	}
	// gjson.Get on a string view of the payload does not copy it; the view is used only
	// while payload is unchanged.
	r := gjson.Get(unsafe.String(&payload[0], len(payload)), "bytes")
	if r.Type != gjson.String {
		return nil, fmt.Errorf("%w: chunk without bytes", ErrMalformed)
	}
	raw := payload[r.Index : r.Index+len(r.Raw)]
	if r.Index > 0 && len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	return []byte(r.Str), nil // escaped (e.g. "\/"): gjson unescaped it
}

func growTo(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, 0, n)
	}
	return b[:0]
}

func headerString(hs awses.Headers, name string) string {
	if v, ok := hs.Get(name).(awses.StringValue); ok {
		return string(v)
	}
	return ""
}
