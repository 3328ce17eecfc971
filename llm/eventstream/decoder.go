// Package eventstream decodes the AWS event stream (application/vnd.amazon.eventstream)
// of Bedrock's InvokeModelWithResponseStream incrementally, as the response body arrives
// in chunks split anywhere, and translates it into the Anthropic server-sent events that
// an Anthropic-API client expects.
//
// Frames are decoded with the AWS SDK's eventstream.Decoder (both CRCs checked). Only the
// incomplete frame at the end of a chunk is buffered; bytes already decoded are never
// looked at again.
package eventstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Frame limits of the AWS event stream format.
const (
	MaxPayloadBytes = 24 << 20
	MaxHeadersBytes = 128 << 10
	// preludeBytes is total length, headers length and the prelude CRC.
	preludeBytes = 12
	// minFrameBytes is a frame with no headers and no payload.
	minFrameBytes = preludeBytes + 4
	maxFrameBytes = minFrameBytes + MaxHeadersBytes + MaxPayloadBytes
	// keepPendingBytes is the largest partial-frame buffer kept between frames.
	keepPendingBytes = 1 << 20
)

// Errors that end decoding. Once Write returns one, every later call returns it too.
var (
	ErrChecksum      = errors.New("eventstream: checksum mismatch")
	ErrFrameTooLarge = errors.New("eventstream: frame exceeds the size limits")
	ErrMalformed     = errors.New("eventstream: malformed frame")
	ErrTruncated     = errors.New("eventstream: stream ended inside a frame")
)

// Handler receives what a Decoder decodes. The slices it is given are valid only during
// the call.
type Handler struct {
	// Event gets each chunk's decoded model event: one Anthropic event JSON.
	Event func(eventJSON []byte)
	// Exception gets each exception (or error) message of the stream.
	Exception func(Exception)
}

// Decoder decodes an event stream incrementally. It implements the metering framer
// interface (Write, Finish). Not safe for concurrent use.
type Decoder struct {
	h   Handler
	sdk *awses.Decoder
	// pending is the start of a frame that the chunks so far did not complete; need is
	// its total length once its prelude is known (0 before).
	pending []byte
	need    int
	rd      bytes.Reader
	payload []byte // reused payload buffer of the SDK decoder
	event   []byte // reused base64 output
	err     error

	metrics    InvocationMetrics
	hasMetrics bool
}

// NewDecoder returns a Decoder that calls h for every message.
func NewDecoder(h Handler) *Decoder {
	return &Decoder{h: h, sdk: awses.NewDecoder()}
}

// Write decodes every frame that p completes. A non-nil error (checksum mismatch, a
// frame over the limits, a malformed message) ends decoding.
func (d *Decoder) Write(p []byte) error {
	if d.err != nil {
		return d.err
	}
	for len(p) > 0 { // each round consumes at least one byte of p or returns
		if len(d.pending) > 0 {
			var done bool
			if p, done = d.fill(p); !done {
				return d.err
			}
			err := d.decode(d.pending)
			d.pending, d.need = d.pending[:0], 0
			if cap(d.pending) > keepPendingBytes {
				d.pending = nil
			}
			if err != nil {
				return d.fail(err)
			}
			continue
		}
		if len(p) < preludeBytes {
			d.pending = append(d.pending, p...)
			return nil
		}
		total, err := framePrelude(p)
		if err != nil {
			return d.fail(err)
		}
		if len(p) < total {
			d.pending = append(d.pending, p...)
			d.need = total
			return nil
		}
		if err := d.decode(p[:total]); err != nil {
			return d.fail(err)
		}
		p = p[total:]
	}
	return nil
}

// fill moves bytes of p into the pending frame; done reports whether the frame is
// complete (rest is then what p holds after it).
func (d *Decoder) fill(p []byte) (rest []byte, done bool) {
	if d.need == 0 {
		n := min(preludeBytes-len(d.pending), len(p))
		d.pending, p = append(d.pending, p[:n]...), p[n:]
		if len(d.pending) < preludeBytes {
			return p, false
		}
		total, err := framePrelude(d.pending)
		if err != nil {
			d.fail(err)
			return p, false
		}
		d.need = total
	}
	n := min(d.need-len(d.pending), len(p))
	d.pending, p = append(d.pending, p[:n]...), p[n:]
	return p, len(d.pending) == d.need
}

func (d *Decoder) fail(err error) error {
	d.err = err
	d.pending = nil
	return err
}

// Finish reports ErrTruncated when the stream ended inside a frame.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.pending) > 0 {
		return d.fail(ErrTruncated)
	}
	return nil
}

// Err is the error that ended decoding, if any.
func (d *Decoder) Err() error { return d.err }

// Metrics returns the amazon-bedrock-invocationMetrics of the stream's message_stop
// event, once seen.
func (d *Decoder) Metrics() (InvocationMetrics, bool) { return d.metrics, d.hasMetrics }

// framePrelude checks a frame's prelude (its first 12 bytes) and returns its total length.
// Checking the prelude CRC here, before buffering, keeps a corrupt length from making the
// decoder wait for (and buffer) bytes that will never form a frame.
func framePrelude(b []byte) (int, error) {
	total := binary.BigEndian.Uint32(b[0:4])
	headers := binary.BigEndian.Uint32(b[4:8])
	if crc32.ChecksumIEEE(b[0:8]) != binary.BigEndian.Uint32(b[8:12]) {
		return 0, fmt.Errorf("%w (prelude)", ErrChecksum)
	}
	if headers > MaxHeadersBytes || total > maxFrameBytes {
		return 0, fmt.Errorf("%w: length %d, headers %d", ErrFrameTooLarge, total, headers)
	}
	if total < minFrameBytes || uint64(headers)+minFrameBytes > uint64(total) {
		return 0, fmt.Errorf("%w: length %d, headers %d", ErrMalformed, total, headers)
	}
	if total-headers-minFrameBytes > MaxPayloadBytes {
		return 0, fmt.Errorf("%w: payload %d", ErrFrameTooLarge, total-headers-minFrameBytes)
	}
	return int(total), nil
}

// decode decodes one complete frame with the SDK decoder and dispatches its message.
func (d *Decoder) decode(frame []byte) error {
	d.rd.Reset(frame)
	msg, err := d.sdk.Decode(&d.rd, d.payload)
	if err != nil {
		var ce awses.ChecksumError
		if errors.As(err, &ce) {
			return ErrChecksum
		}
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if cap(msg.Payload) <= keepPendingBytes {
		d.payload = msg.Payload[:0]
	}
	return d.dispatch(msg)
}
