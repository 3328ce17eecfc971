package metering

import (
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// decodeBufSize is the decoder goroutine's output buffer: the most decoded bytes in
// memory at once, whatever the compression ratio.
const decodeBufSize = 32 << 10

type newReaderFunc func(io.Reader) (io.Reader, error)

// decompressor returns the reader constructor for a Content-Encoding value; nil for an
// identity body.
func decompressor(contentEncoding string) (newReaderFunc, error) {
	switch enc := strings.ToLower(strings.TrimSpace(contentEncoding)); enc {
	case "", "identity":
		return nil, nil
	case "gzip", "x-gzip":
		return func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, nil
	case "deflate":
		return func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }, nil
	case "br":
		return func(r io.Reader) (io.Reader, error) { return brotliReader{brotli.NewReader(r)}, nil }, nil
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedEncoding, enc)
	}
}

// decoder decompresses a body incrementally. A streaming decompressor cannot resume
// after running out of input, so it runs in its own goroutine, reading from a source
// that hands it each chunk. The handoff is synchronous: write returns only once the
// goroutine has consumed the whole chunk and asks for more (or has stopped), so the
// goroutine and the caller never touch the framer at the same time and write keeps no
// reference to the chunk.
type decoder struct {
	newReader newReaderFunc
	sink      Framer
	max       int64

	started bool
	in      chan []byte   // chunks, caller → goroutine; closed by finish
	need    chan struct{} // goroutine → caller: the chunk is consumed
	exit    chan struct{} // closed when the goroutine ends; err is then set

	// Owned by the goroutine until exit is closed.
	cur    []byte
	active bool
	err    error
}

func newDecoder(nr newReaderFunc, sink Framer, max int64) *decoder {
	return &decoder{newReader: nr, sink: sink, max: max}
}

// write hands one chunk to the goroutine, started on the first chunk.
func (d *decoder) write(chunk []byte) error {
	if !d.started {
		d.started = true
		d.in, d.need, d.exit = make(chan []byte), make(chan struct{}), make(chan struct{})
		go d.run()
	}
	select {
	case d.in <- chunk:
	case <-d.exit:
		return d.err
	}
	select {
	case <-d.need:
		return nil
	case <-d.exit:
		return d.err
	}
}

// finish signals the end of the body and waits for the goroutine to end.
func (d *decoder) finish() error {
	if !d.started {
		return nil
	}
	close(d.in)
	<-d.exit
	return d.err
}

func (d *decoder) run() {
	defer close(d.exit)
	// The decompressors read bytes from outside; a panic in one is this response's
	// metering error, never the process's end (a goroutine's panic is not caught by the
	// stream's recover).
	defer func() {
		if p := recover(); p != nil {
			d.err = fmt.Errorf("metering: decoder panicked: %v", p)
		}
	}()
	d.err = d.decode()
	if errors.Is(d.err, io.ErrUnexpectedEOF) {
		d.err = nil // the body ended early: an interruption, not a metering error
	}
}

func (d *decoder) decode() error {
	r, err := d.newReader(d)
	if err != nil {
		return fmt.Errorf("metering: decoding body: %w", err)
	}
	buf := make([]byte, decodeBufSize)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			total += int64(n)
			if total > d.max {
				return ErrDecodedTooLarge
			}
			if err := d.sink.Write(buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("metering: decoding body: %w", err)
		}
	}
}

// Read serves the compressed bytes to the decompressor, waiting for the next chunk when
// the current one is used up.
func (d *decoder) Read(p []byte) (int, error) {
	for len(d.cur) == 0 {
		if d.active {
			d.cur, d.active = nil, false
			d.need <- struct{}{}
		}
		c, ok := <-d.in
		if !ok {
			return 0, io.EOF
		}
		d.cur, d.active = c, true
	}
	n := copy(p, d.cur)
	d.cur = d.cur[n:]
	return n, nil
}

// brotliReader ends the stream cleanly where andybalholm/brotli reports "excessive
// input" after a complete stream. That reader reports it spuriously when its input
// arrives one byte at a time (reproduced with iotest.OneByteReader), and in any case the
// output is complete by then: a brotli stream is self-terminating, and trailing bytes
// cannot change the usage.
type brotliReader struct{ r *brotli.Reader }

func (b brotliReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err.Error() == "brotli: excessive input" {
		err = io.EOF
	}
	return n, err
}
