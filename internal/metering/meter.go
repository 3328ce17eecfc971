// Package metering counts the token usage of one response body. A Meter reads the
// upstream's bytes as they pass: it undoes the content encoding incrementally, splits
// the decoded bytes into events (SSE, AWS event stream) or buffers a JSON body, and
// feeds them to the usage extractor of the body's API. When another stage decodes the
// body anyway (a translator), a Meter made by ForEvents is fed that stage's events
// instead, so the body is decoded once.
//
// Metering never changes the body, and its errors (a limit, an undecodable body) only
// stop metering: the usage seen until then is the result.
package metering

import (
	"errors"
	"time"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/sse"
	"github.com/tollgate/tollgate/llm/usage"
)

// Errors that stop metering a response. The response itself is never affected.
var (
	ErrBodyTooLarge        = errors.New("metering: JSON body exceeds the buffering limit")
	ErrDecodedTooLarge     = errors.New("metering: decoded body exceeds the decompression limit")
	ErrUnsupportedEncoding = errors.New("metering: unsupported content-encoding")
	// ErrEventTooLarge names an event over Limits.MaxEventBytes, whatever the framing: it is
	// skipped and counted in Result.Skipped, not an error that stops metering (it
	// is the SSE parser's error).
	ErrEventTooLarge = sse.ErrEventTooLarge
)

// Defaults for zero Limits fields.
const (
	DefaultMaxEventBytes   = 16 << 20
	DefaultMaxBodyBytes    = 32 << 20
	DefaultMaxDecodedBytes = 256 << 20
)

// Limits bound the memory and work spent metering one response.
type Limits struct {
	// MaxEventBytes bounds one event: an SSE event (its data plus any unfinished line),
	// or the model event of an AWS event-stream chunk.
	MaxEventBytes int
	// MaxBodyBytes bounds a buffered JSON body (after decoding).
	MaxBodyBytes int
	// MaxDecodedBytes bounds the decoded size of a content-encoded (gzip, br, deflate)
	// body: past it metering stops, so a compression bomb costs bounded work.
	MaxDecodedBytes int64
	// Now is the clock for Result.FirstContentAt; nil means time.Now.
	Now func() time.Time
}

func (l Limits) withDefaults() Limits {
	if l.MaxEventBytes <= 0 {
		l.MaxEventBytes = DefaultMaxEventBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// Result is what a Meter saw of one response.
type Result struct {
	Usage usage.Usage
	// Seen reports whether the response carried any usage.
	Seen bool
	// Err is the error that stopped metering early, if any (decompression limit,
	// corrupt encoding, a JSON body over the limit). A stream cut short is not an error:
	// the result then holds what was seen before the cut.
	Err error
	// Skipped counts the events over Limits.MaxEventBytes: each is skipped (its bytes
	// never held) and metering goes on with the next one, so the usage reported after
	// it is still counted. The client's bytes are never affected.
	Skipped int
	// FirstContentAt is when the first output content was metered (during the Write of
	// the chunk that completed it); zero when there was none, and for JSON bodies.
	FirstContentAt time.Time
	// Reported is the provider's own second count of the usage, where its stream
	// carries one (Bedrock's invocation metrics; see usage.Reporter), for a cross-check.
	Reported    usage.Usage
	HasReported bool
}

// Meter meters one response body. It is not safe for concurrent use. A content-encoded
// body is decoded by a goroutine that lives from the first Write until Finish, so the
// caller must call Finish once the body ends or the request goes away.
type Meter struct {
	lim      Limits
	ex       *timedExtractor
	framer   Framer
	dec      *decoder // nil when the body is not content-encoded
	err      error
	skipped  int // events skipped by Event for their size
	finished bool
	result   Result
}

// New returns a meter for a response of API kind with the given Content-Type and
// Content-Encoding header values. Server-sent events and AWS event streams are split
// into events as they arrive, JSON bodies are buffered and read at Finish, and any other
// content type is ignored.
func New(kind api.Kind, contentType, contentEncoding string, lim Limits) *Meter {
	var nf FramerFunc
	switch mt := api.MediaType(contentType); {
	case mt == api.MediaSSE:
		nf = NewSSEFramer
	case mt == api.MediaEventStream:
		nf = NewEventStreamFramer
	case api.IsJSON(mt):
		nf = NewJSONFramer
	default:
		contentEncoding = "" // nothing to meter: do not even decode
		nf = func(usage.Extractor, Limits) Framer { return discard{} }
	}
	return NewWithFramer(kind, contentEncoding, lim, nf)
}

// NewWithFramer returns a meter whose decoded bytes go to the framer built by nf (for
// framings New does not know, such as AWS event streams). The framer must pass each
// event it decodes to the extractor it is given.
func NewWithFramer(kind api.Kind, contentEncoding string, lim Limits, nf FramerFunc) *Meter {
	lim = lim.withDefaults()
	m := &Meter{lim: lim, ex: &timedExtractor{Extractor: usage.NewExtractor(kind), now: lim.Now}}
	m.framer = nf(m.ex, lim)
	newReader, err := decompressor(contentEncoding)
	switch {
	case err != nil:
		m.err = err
	case newReader != nil:
		m.dec = newDecoder(newReader, m.framer, lim.MaxDecodedBytes)
	}
	return m
}

// Write meters the next chunk of the body. It keeps no reference to chunk after it
// returns. After an error or Finish it does nothing.
func (m *Meter) Write(chunk []byte) {
	if m.err != nil || m.finished || len(chunk) == 0 {
		return
	}
	if m.dec != nil {
		m.err = m.dec.write(chunk)
	} else {
		m.err = m.framer.Write(chunk)
	}
}

// Err returns the error that stopped metering, if any.
func (m *Meter) Err() error { return m.err }

// Finish ends metering and returns the result. It may be called at any point (after an
// interrupted stream it returns what was seen so far), any number of times; it stops
// the meter's decoding goroutine, if any.
func (m *Meter) Finish() Result {
	if m.finished {
		return m.result
	}
	m.finished = true
	if m.dec != nil {
		if err := m.dec.finish(); m.err == nil {
			m.err = err
		}
	}
	if m.err == nil {
		m.err = m.framer.Finish()
	}
	m.result = Result{
		Usage:          m.ex.Usage(),
		Seen:           m.ex.Seen(),
		Err:            m.err,
		Skipped:        m.skipped,
		FirstContentAt: m.ex.first,
	}
	if s, ok := m.framer.(interface{ Skipped() int }); ok {
		m.result.Skipped += s.Skipped()
	}
	if r, ok := m.ex.Extractor.(usage.Reporter); ok {
		m.result.Reported, m.result.HasReported = r.Reported()
	}
	return m.result
}

// timedExtractor records when the first output content arrived.
type timedExtractor struct {
	usage.Extractor
	now   func() time.Time
	first time.Time
}

func (t *timedExtractor) Event(name string, data []byte) bool {
	if !t.Extractor.Event(name, data) {
		return false
	}
	if t.first.IsZero() {
		t.first = t.now()
	}
	return true
}
