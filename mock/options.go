package mock

import "time"

// DefaultWords is the reply length used when Options.Words is not positive.
const DefaultWords = 30

// Options shape the mock's replies. The zero value answers at once with DefaultWords
// words, writes each event in one flushed write and accepts any non-empty key.
type Options struct {
	// FirstByteDelay is waited before anything (headers included) is written.
	FirstByteDelay time.Duration
	// ChunkDelay is waited before each text delta of a stream.
	ChunkDelay time.Duration
	// Words is the number of words in every reply, which is also its output token count.
	Words int
	// ChunkBytes, when positive, splits the response bytes into writes of at most this
	// many bytes, each flushed, so that clients see events cut at every boundary.
	ChunkBytes int
	// Key, when set, is the only credential accepted; otherwise any non-empty one is.
	Key string
}

// words is the effective reply length.
func (o Options) words() int {
	if o.Words <= 0 {
		return DefaultWords
	}
	return o.Words
}
