package metering

import (
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/usage"
)

// NewEventStreamFramer decodes an AWS event stream (Bedrock's
// InvokeModelWithResponseStream) and passes each chunk's model event to ex, unnamed
// (ex reads its "type"). A frame that does not decode stops metering; an event over
// lim.MaxEventBytes is skipped and counted (Skipped), and metering goes on.
func NewEventStreamFramer(ex usage.Extractor, lim Limits) Framer {
	f := &eventStreamFramer{ex: ex, max: lim.MaxEventBytes}
	f.dec = eventstream.NewDecoder(eventstream.Handler{Event: f.event})
	return f
}

type eventStreamFramer struct {
	ex      usage.Extractor
	dec     *eventstream.Decoder
	max     int
	skipped int
}

func (f *eventStreamFramer) event(ev []byte) {
	if len(ev) > f.max {
		f.skipped++
		return
	}
	f.ex.Event("", ev)
}

func (f *eventStreamFramer) Write(p []byte) error { return f.dec.Write(p) }
func (f *eventStreamFramer) Finish() error        { return f.dec.Finish() }
func (f *eventStreamFramer) Skipped() int         { return f.skipped }
