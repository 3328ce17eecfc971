package provider

import (
	"fmt"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/llm/api"
)

// maxDecodedEventStream bounds what one compressed event stream may decode to before it
// is refused (a decompression bomb); the meter's own bound (limits.max_decompressed)
// applies to the events after that.
const maxDecodedEventStream = 1 << 30

// compressedBedrockSSE translates an event stream Bedrock sent with a Content-Encoding
// (tollgate asks for none: accept-encoding identity; a proxy in between may still
// compress): it decodes the body as it comes, then translates it as bedrockSSE does.
// The client gets identity SSE, so the plan removes content-encoding.
type compressedBedrockSSE struct {
	z     *metering.Decompressor
	inner *bedrockSSE
	out   []byte
	err   error
}

func newCompressedBedrockSSE(encoding string) func(EventSink) Translator {
	return func(sink EventSink) Translator {
		t := &compressedBedrockSSE{inner: newBedrockSSE(sink).(*bedrockSSE)}
		z, err := metering.NewDecompressor(encoding, maxDecodedEventStream, t.decoded)
		if err != nil {
			t.err = err
		}
		t.z = z
		return t
	}
}

// decoded translates decoded bytes (on the decoder's goroutine, while Translate waits).
func (t *compressedBedrockSSE) decoded(p []byte) error {
	out, err := t.inner.Translate(p, false)
	t.out = append(t.out, out...)
	return err
}

func (t *compressedBedrockSSE) Translate(chunk []byte, end bool) ([]byte, error) {
	t.out = t.out[:0]
	if t.err != nil {
		return t.fail(t.err)
	}
	err := t.z.Write(chunk)
	if err == nil && end {
		err = t.z.Finish()
	}
	if err != nil {
		return t.fail(err)
	}
	if end {
		out, err := t.inner.Translate(nil, true)
		t.out = append(t.out, out...)
		if err != nil {
			t.err = err
			return t.out, err
		}
	}
	return t.out, nil
}

// fail ends the client's stream with an Anthropic error event, once, and stops the meter.
func (t *compressedBedrockSSE) fail(err error) ([]byte, error) {
	if t.inner.failed {
		return t.out, err
	}
	t.inner.failed, t.err = true, err
	t.inner.sink.Fail(err)
	e := api.Error{Status: 502, Type: "api_error", Message: fmt.Sprintf("tollgate could not decode Bedrock's compressed event stream: %v", err)}
	t.out = append(t.out, "event: error\ndata: "...)
	t.out = append(t.out, e.Body(api.AnthropicMessages)...)
	t.out = append(t.out, "\n\n"...)
	return t.out, err
}
