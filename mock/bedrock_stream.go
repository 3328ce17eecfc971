package mock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// BedrockStream encodes Anthropic events as the frames of an
// InvokeModelWithResponseStream answer, with aws-sdk-go-v2's event-stream Encoder: one
// "chunk" event per Anthropic event, its JSON base64 in "bytes", padded with "p" as
// Bedrock pads its chunks.
func BedrockStream(events [][]byte) ([]byte, error) {
	const pad = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
	var buf bytes.Buffer
	enc := awses.NewEncoder()
	for _, ev := range events {
		payload, err := json.Marshal(map[string]string{
			"bytes": base64.StdEncoding.EncodeToString(ev),
			"p":     pad[:len(ev)%len(pad)],
		})
		if err != nil {
			return nil, err
		}
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":content-type", awses.StringValue("application/json"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := enc.Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
