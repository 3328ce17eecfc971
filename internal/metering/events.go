package metering

import (
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// ForEvents returns a meter fed by another stage that decodes the body anyway (a
// translator): the stage calls Event for each upstream event, or Body with a whole
// upstream body, and Fail when the body stops decoding. Write does nothing on it. The
// meter keeps its own limits and errors: when it stops, the feeding stage goes on.
func ForEvents(kind api.Kind, lim Limits) *Meter {
	return NewWithFramer(kind, "", lim, discardFramer)
}

func discardFramer(usage.Extractor, Limits) Framer { return discard{} }

// Event meters one event of the body decoded by another stage: its SSE name ("" when
// the framing has none) and data, valid only during the call. An event over
// Limits.MaxEventBytes is skipped and counted (Result.Skipped); metering goes on. After
// an error or Finish it does nothing.
func (m *Meter) Event(name string, data []byte) {
	if m.err != nil || m.finished {
		return
	}
	if len(data) > m.lim.MaxEventBytes {
		m.skipped++
		return
	}
	m.ex.Event(name, data)
}

// Body meters a whole body read by another stage. A body over Limits.MaxBodyBytes stops
// metering (ErrBodyTooLarge). After an error or Finish it does nothing.
func (m *Meter) Body(body []byte) {
	if m.err != nil || m.finished {
		return
	}
	if len(body) > m.lim.MaxBodyBytes {
		m.err = ErrBodyTooLarge
		return
	}
	m.ex.Body(body)
}

// Fail stops metering with err: the stage feeding the meter can no longer decode the
// body. It does nothing once metering has stopped or finished.
func (m *Meter) Fail(err error) {
	if m.err == nil && !m.finished {
		m.err = err
	}
}
