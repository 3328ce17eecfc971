package translate

import (
	"bytes"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// encodeException encodes one exception message of an AWS event stream.
func encodeException(t *testing.T, typ, payload string) []byte {
	t.Helper()
	var hs awses.Headers
	hs.Set(":message-type", awses.StringValue("exception"))
	hs.Set(":exception-type", awses.StringValue(typ))
	hs.Set(":content-type", awses.StringValue("application/json"))
	var buf bytes.Buffer
	if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
