package metering

import (
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/usage"
)

// NewEventStreamFramer decodes an AWS event stream (Bedrock's
// InvokeModelWithResponseStream) and passes each chunk's model event to ex, unnamed
// (ex reads its "type"). A frame that does not decode stops metering; so does an event
// over lim.MaxEventBytes.
func NewEventStreamFramer(ex usage.Extractor, lim Limits) Framer {
	f := &eventStreamFramer{ex: ex, max: lim.MaxEventBytes}
	f.dec = eventstream.NewDecoder(eventstream.Handler{Event: f.event})
	return f
}

type eventStreamFramer struct {
	ex  usage.Extractor
	dec *eventstream.Decoder
	max int
	err error
}

func (f *eventStreamFramer) event(ev []byte) {
	if f.err != nil {
		return
	}
	if len(ev) > f.max {
		f.err = ErrEventTooLarge
		return
	}
	f.ex.Event("", ev)
}

func (f *eventStreamFramer) Write(p []byte) error {
	if err := f.dec.Write(p); err != nil {
		return err
	}
	return f.err
}

func (f *eventStreamFramer) Finish() error {
	if f.err != nil {
		return f.err
	}
	return f.dec.Finish()
}
