package extproc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/llm/usage"
)

// The two stages of a translated response, metering and translation, fail apart: these
// tests drive a Bedrock event stream to an Anthropic-API client through the gRPC server
// (testdata/security.yaml: max_event_size 1 MiB).

// bedrockFrames encodes Anthropic events as Bedrock chunk frames.
func bedrockFrames(t *testing.T, events [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, ev := range events {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(ev)})
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":content-type", awses.StringValue("application/json"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// tokensOf reads alice's token counters for a model served by the bedrock provider.
func tokensOf(t *testing.T, f *fixture, model string) usage.Usage {
	t.Helper()
	get := func(typ string) int64 {
		return int64(testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", model, "bedrock", typ)))
	}
	return usage.Usage{Input: get("input"), Output: get("output"), CacheRead: get("cache_read"), CacheWrite: get("cache_write")}
}

// TestMeteringLimitKeepsTranslatedStream: an upstream event over max_event_size is
// skipped by metering (counted as event_too_large; the usage before and after it
// recorded) while the client still gets every event, translated, byte for byte.
func TestMeteringLimitKeepsTranslatedStream(t *testing.T) {
	isolateCloud(t, "AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST", "AWS_SECRET_ACCESS_KEY", "aws-SECRET-static-key")
	logs := &syncBuffer{}
	f := newWiredFixture(t, logs)
	_, recorded := bedrockStream(t)
	big := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"` + strings.Repeat("b", 2<<20) + `"}}`)
	events := append([][]byte{recorded[0], big}, recorded[1:]...)
	frames := bedrockFrames(t, events)

	client, md := respond(t, f, securityClientKey, "claude-via-bedrock", "application/vnd.amazon.eventstream", "", split(frames, 64<<10), true)
	if want := anthropicSSE(events...); !bytes.Equal(client, want) {
		t.Fatalf("the client's stream changed: %d bytes, want %d", len(client), len(want))
	}
	if got := testutil.ToFloat64(f.metrics.MeteringErrors.WithLabelValues("bedrock", "event_too_large")); got != 1 {
		t.Errorf("metering errors {reason=event_too_large} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(f.metrics.MeteringErrors); n != 1 {
		t.Errorf("%d metering error series, want 1", n)
	}
	seen := usage.Usage{Input: 12, Output: 57, CacheRead: 8192, CacheWrite: 2048} // message_start's, then message_delta's
	if got := tokensOf(t, f, "claude-via-bedrock"); got != seen {
		t.Errorf("tokens = %+v, want the whole stream's usage, %+v", got, seen)
	}
	checkMetadata(t, "metadata", md, seen)
	if strings.Contains(logs.String(), "translating the response failed") {
		t.Error("a metering limit was logged as a translation error")
	}
}

// TestTranslationErrorEndsClientStream: an upstream frame that does not decode ends the
// client's stream with one Anthropic error event; the bytes that follow reach the client
// no more (neither translated nor raw), and the usage seen before is recorded.
func TestTranslationErrorEndsClientStream(t *testing.T) {
	isolateCloud(t, "AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST", "AWS_SECRET_ACCESS_KEY", "aws-SECRET-static-key")
	logs := &syncBuffer{}
	f := newWiredFixture(t, logs)
	frames, events := bedrockStream(t)
	const bad = 3
	frames = corruptCRC(frames, bad)

	body := []byte(`{"model":"claude-via-bedrock","max_tokens":64,"stream":true,"messages":[]}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", securityClientKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "application/vnd.amazon.eventstream"))
	var cv clientView
	for i := 0; len(frames) > 0; i++ { // frame by frame
		n := int(binary.BigEndian.Uint32(frames))
		resp := ex.send(responseBody(frames[:n], false))
		if resp.GetResponseBody().GetResponse().GetBodyMutation() == nil {
			t.Fatalf("frame %d reached the client untranslated", i)
		}
		cv.take(t, resp, frames[:n])
		frames = frames[n:]
	}
	cv.take(t, ex.send(responseBody(nil, true)), nil)
	ex.close()

	before := anthropicSSE(events[:bad]...)
	if !bytes.HasPrefix(cv.body, before) {
		t.Fatalf("the events before the bad frame differ:\n%s", cv.body)
	}
	rest := cv.body[len(before):]
	name, data, ok := strings.Cut(strings.TrimSuffix(string(rest), "\n\n"), "\n")
	if !ok || name != "event: error" || !strings.HasPrefix(data, "data: ") || strings.Contains(data, "\n") {
		t.Fatalf("the stream does not end with exactly one error event: %q", rest)
	}
	var e struct {
		Type  string
		Error struct{ Type, Message string }
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &e); err != nil ||
		e.Type != "error" || e.Error.Type != "api_error" || !strings.Contains(e.Error.Message, "could not be decoded") {
		t.Errorf("error event = %s", data)
	}

	seen := usage.Usage{Input: 12, Output: 1, CacheRead: 8192, CacheWrite: 2048}
	checkMetadata(t, "metadata", cv.md, seen)
	if got := tokensOf(t, f, "claude-via-bedrock"); got != seen {
		t.Errorf("tokens = %+v, want %+v", got, seen)
	}
	if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "claude-via-bedrock", "bedrock", "200")); got != 1 {
		t.Errorf("requests{code=200} = %v, want 1", got)
	}
	// The meter lost its input with the translator: metering stopped early too.
	if got := testutil.ToFloat64(f.metrics.MeteringErrors.WithLabelValues("bedrock", "malformed")); got != 1 {
		t.Errorf("metering errors {reason=malformed} = %v, want 1", got)
	}
	if strings.Count(logs.String(), "translating the response failed") != 1 {
		t.Error("the translation error was not logged once")
	}
}
