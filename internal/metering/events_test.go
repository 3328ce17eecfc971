package metering

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/usage"
)

// bedrockUsage is the usage of llm/eventstream/testdata/stream_events.jsonl.
var bedrockUsage = usage.Usage{Input: 12, Output: 57, CacheRead: 8192, CacheWrite: 2048}

// bedrockEvents returns the recorded Anthropic events of a Bedrock stream and those
// events as AWS event-stream chunk frames.
func bedrockEvents(t *testing.T) (events [][]byte, frames []byte) {
	t.Helper()
	raw, err := os.ReadFile("../../llm/eventstream/testdata/stream_events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, ev := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		events = append(events, ev)
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(ev)})
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	return events, buf.Bytes()
}

// TestEventStreamByContentType: New meters an AWS event stream by its content type, at
// every chunk size, and reports Bedrock's invocation metrics apart.
func TestEventStreamByContentType(t *testing.T) {
	_, frames := bedrockEvents(t)
	for _, size := range []int{1, 7, 333, len(frames)} {
		res := meter(New(api.BedrockInvokeStream, api.MediaEventStream, "", Limits{}), chunks(frames, size))
		if res.Err != nil || res.Usage != bedrockUsage || res.FirstContentAt.IsZero() {
			t.Fatalf("chunks of %d: %+v", size, res)
		}
		if !res.HasReported || res.Reported != bedrockUsage {
			t.Fatalf("chunks of %d: reported %+v %v", size, res.Reported, res.HasReported)
		}
	}

	corrupt := bytes.Clone(frames)
	corrupt[len(corrupt)-1] ^= 1 // the last frame's message CRC
	res := meter(New(api.BedrockInvokeStream, api.MediaEventStream, "", Limits{}), chunks(corrupt, 100))
	if !errors.Is(res.Err, eventstream.ErrChecksum) || res.Usage.Output != 57 {
		t.Errorf("corrupt last frame: %+v", res)
	}
	res = meter(New(api.BedrockInvokeStream, api.MediaEventStream, "", Limits{MaxEventBytes: 126}), chunks(frames, 100))
	if res.Err != nil || res.Skipped == 0 || res.Usage.Output != 57 {
		t.Errorf("events over MaxEventBytes are skipped, the usage after them counted: %+v", res)
	}
}

// TestForEvents: a meter fed by another stage counts the events it is given, keeps its
// own limits, and stops at Fail.
func TestForEvents(t *testing.T) {
	events, frames := bedrockEvents(t)
	m := ForEvents(api.BedrockInvokeStream, Limits{})
	m.Write(frames) // not read: the feeding stage decodes
	for _, ev := range events {
		m.Event("", ev)
	}
	if res := m.Finish(); res.Err != nil || res.Usage != bedrockUsage || !res.HasReported || res.FirstContentAt.IsZero() {
		t.Errorf("fed every event: %+v", res)
	}

	m = ForEvents(api.AnthropicMessages, Limits{MaxEventBytes: 400})
	big := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"` + string(bytes.Repeat([]byte("a"), 400)) + `"}}`)
	for _, ev := range append([][]byte{events[0], big}, events[1:]...) {
		m.Event("", ev)
	}
	if res := m.Finish(); res.Err != nil || res.Skipped != 1 || res.Usage.Input != 12 || res.Usage.Output != 57 {
		t.Errorf("an event over the limit is skipped and metering goes on: %+v", res)
	}

	m = ForEvents(api.AnthropicMessages, Limits{})
	m.Event("", events[0])
	broken := errors.New("upstream body undecodable")
	m.Fail(broken)
	m.Event("", events[len(events)-2])
	m.Fail(errors.New("second"))
	if res := m.Finish(); res.Err != broken || res.Usage.Output != 1 {
		t.Errorf("after Fail: %+v", res)
	}

	m = ForEvents(api.OpenAIChat, Limits{})
	m.Body([]byte(`{"usage":{"prompt_tokens":10,"completion_tokens":3}}`))
	if res := m.Finish(); res.Err != nil || res.Usage.Input != 10 || res.Usage.Output != 3 {
		t.Errorf("whole body: %+v", res)
	}
	m = ForEvents(api.OpenAIChat, Limits{MaxBodyBytes: 8})
	m.Body([]byte(`{"usage":{"prompt_tokens":10}}`))
	if res := m.Finish(); !errors.Is(res.Err, ErrBodyTooLarge) {
		t.Errorf("body over the limit: %+v", res)
	}
}

// TestEncodedEventStream: a compressed AWS event stream (a Bedrock-native client's, passed
// through as it is) is decoded and metered like an identity one, at every chunk size.
func TestEncodedEventStream(t *testing.T) {
	_, frames := bedrockEvents(t)
	for _, enc := range encoders {
		z := compress(t, enc, frames)
		for _, size := range []int{1, 7, 333, len(z)} {
			res := meter(New(api.BedrockInvokeStream, api.MediaEventStream, enc.name, Limits{}), chunks(z, size))
			if res.Err != nil || res.Usage != bedrockUsage {
				t.Fatalf("%s in chunks of %d: %+v", enc.name, size, res)
			}
		}
	}
}
