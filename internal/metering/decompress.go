package metering

// Decompressor decodes a compressed body chunk by chunk with the meter's incremental
// decoder, handing the decoded bytes to a sink: the stage before a translator that needs
// the body's own bytes (a Bedrock event stream that arrives gzip-encoded). Decoded bytes
// may lag the compressed ones by a chunk (a decompressor emits a block once it has it);
// Finish flushes the rest. The sink runs on the decoder's goroutine, but only while
// Write or Finish is waiting, so the caller may read what it gathered once they return.
// Not safe for concurrent use.
type Decompressor struct{ d *decoder }

// NewDecompressor returns a decompressor for a Content-Encoding value, at most max
// decoded bytes (then ErrDecodedTooLarge); nil for an identity body; an error wrapping
// ErrUnsupportedEncoding for an encoding it cannot decode.
func NewDecompressor(contentEncoding string, max int64, sink func(p []byte) error) (*Decompressor, error) {
	nr, err := decompressor(contentEncoding)
	if err != nil || nr == nil {
		return nil, err
	}
	return &Decompressor{d: newDecoder(nr, sinkFramer(sink), max)}, nil
}

// Write decodes the next compressed chunk.
func (z *Decompressor) Write(chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	return z.d.write(chunk)
}

// Finish ends the body and flushes what is left.
func (z *Decompressor) Finish() error { return z.d.finish() }

type sinkFramer func([]byte) error

func (f sinkFramer) Write(p []byte) error { return f(p) }
func (sinkFramer) Finish() error          { return nil }
