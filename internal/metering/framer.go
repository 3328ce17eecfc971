package metering

import (
	"github.com/tollgate/tollgate/llm/sse"
	"github.com/tollgate/tollgate/llm/usage"
)

// Framer splits a decoded body into the units its extractor reads. Write gets the
// decoded bytes in arbitrary pieces; Finish is called once at the end of the body (not
// after an error). A non-nil error stops metering.
type Framer interface {
	Write(p []byte) error
	Finish() error
}

// FramerFunc builds the framer for one response; the framer passes every event it
// decodes to ex.Event (an AWS event-stream framer calls ex.Event("", payload) with each
// decoded Anthropic event), or a whole body to ex.Body.
type FramerFunc func(ex usage.Extractor, lim Limits) Framer

// NewSSEFramer parses a text/event-stream body and passes each event to ex.
func NewSSEFramer(ex usage.Extractor, lim Limits) Framer {
	return sse.NewParser(lim.MaxEventBytes, func(name string, data []byte) { ex.Event(name, data) })
}

// NewJSONFramer buffers a JSON body, up to lim.MaxBodyBytes, and passes it to ex.Body at
// Finish.
func NewJSONFramer(ex usage.Extractor, lim Limits) Framer {
	return &jsonFramer{ex: ex, max: lim.MaxBodyBytes}
}

type jsonFramer struct {
	ex  usage.Extractor
	max int
	buf []byte
}

func (j *jsonFramer) Write(p []byte) error {
	if len(j.buf)+len(p) > j.max {
		j.buf = nil
		return ErrBodyTooLarge
	}
	j.buf = append(j.buf, p...)
	return nil
}

func (j *jsonFramer) Finish() error {
	j.ex.Body(j.buf)
	j.buf = nil
	return nil
}

// discard ignores a body whose content type carries no usage.
type discard struct{}

func (discard) Write([]byte) error { return nil }
func (discard) Finish() error      { return nil }
