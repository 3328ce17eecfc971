package eventstream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// loadEvents reads the Anthropic events of a realistic Bedrock stream, one per line.
func loadEvents(tb testing.TB) [][]byte {
	tb.Helper()
	raw, err := os.ReadFile("testdata/stream_events.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		out = append(out, line)
	}
	return out
}

func encode(tb testing.TB, msg awses.Message) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := awses.NewEncoder().Encode(&buf, msg); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// chunkFrame is one InvokeModelWithResponseStream chunk carrying ev, padded like
// Bedrock does with a "p" field.
func chunkFrame(tb testing.TB, ev []byte) []byte {
	tb.Helper()
	payload, err := json.Marshal(map[string]string{
		"bytes": base64.StdEncoding.EncodeToString(ev),
		"p":     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"[:len(ev)%40],
	})
	if err != nil {
		tb.Fatal(err)
	}
	var hs awses.Headers
	hs.Set(":event-type", awses.StringValue("chunk"))
	hs.Set(":content-type", awses.StringValue("application/json"))
	hs.Set(":message-type", awses.StringValue("event"))
	return encode(tb, awses.Message{Headers: hs, Payload: payload})
}

func exceptionFrame(tb testing.TB, typ, message string) []byte {
	tb.Helper()
	payload, err := json.Marshal(map[string]string{"message": message})
	if err != nil {
		tb.Fatal(err)
	}
	var hs awses.Headers
	hs.Set(":exception-type", awses.StringValue(typ))
	hs.Set(":content-type", awses.StringValue("application/json"))
	hs.Set(":message-type", awses.StringValue("exception"))
	return encode(tb, awses.Message{Headers: hs, Payload: payload})
}

// stream is the whole event stream of events, then the extra frames.
func stream(tb testing.TB, events [][]byte, extra ...[]byte) []byte {
	tb.Helper()
	var out []byte
	for _, ev := range events {
		out = append(out, chunkFrame(tb, ev)...)
	}
	for _, f := range extra {
		out = append(out, f...)
	}
	return out
}

// recorder collects what a Decoder hands its handler, copying the reused buffers.
type recorder struct {
	events     []string
	exceptions []Exception
}

func (r *recorder) handler() Handler {
	return Handler{
		Event: func(ev []byte) { r.events = append(r.events, string(ev)) },
		Exception: func(e Exception) {
			e.Payload = bytes.Clone(e.Payload)
			r.exceptions = append(r.exceptions, e)
		},
	}
}

// rawChunk is a chunk event frame with the payload given verbatim.
func rawChunk(tb testing.TB, payload string) []byte {
	tb.Helper()
	var hs awses.Headers
	hs.Set(":event-type", awses.StringValue("chunk"))
	hs.Set(":message-type", awses.StringValue("event"))
	return encode(tb, awses.Message{Headers: hs, Payload: []byte(payload)})
}
