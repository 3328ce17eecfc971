package provider

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/llm/api"
)

// bedrockFrames is the recorded Anthropic stream as Bedrock frames it, and its events.
func bedrockFrames(t *testing.T) ([]byte, []string) {
	t.Helper()
	raw, err := os.ReadFile("../../llm/eventstream/testdata/stream_events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var frames bytes.Buffer
	for _, ev := range events {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(ev))})
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := awses.NewEncoder().Encode(&frames, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	return frames.Bytes(), events
}

// translateInChunks runs the plan's translator over body in chunks of n bytes.
func translateInChunks(t *testing.T, plan ResponsePlan, body []byte, n int) (client string, sink *recordingSink, err error) {
	t.Helper()
	sink = &recordingSink{}
	tr := plan.Translator(sink)
	var out bytes.Buffer
	for i := 0; i < len(body) || i == 0; i += n {
		o, e := tr.Translate(body[i:min(i+n, len(body))], i+n >= len(body))
		out.Write(o)
		if e != nil && err == nil {
			err = e
		}
	}
	return out.String(), sink, err
}

// TestBedrockCompressedEventStream: an event stream Bedrock sends gzip- or br-encoded to
// an Anthropic Messages client (tollgate asks for identity; a proxy may compress) is
// decoded and translated: the client gets the same SSE as from the identity stream, in
// identity (content-encoding removed), and the meter every event — however the
// compressed bytes are split.
func TestBedrockCompressedEventStream(t *testing.T) {
	frames, events := bedrockFrames(t)
	p := testProviders(t)["bedrock"]
	plain := p.PlanResponse(Response{Client: api.AnthropicMessages, Status: 200, ContentType: api.MediaEventStream})
	want, _, err := translateInChunks(t, plain, frames, len(frames))
	if err != nil {
		t.Fatal(err)
	}
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(frames)
	zw.Close()
	bw := brotli.NewWriter(&br)
	bw.Write(frames)
	bw.Close()
	for enc, body := range map[string][]byte{"gzip": gz.Bytes(), "br": br.Bytes()} {
		plan := p.PlanResponse(Response{Client: api.AnthropicMessages, Status: 200, ContentType: api.MediaEventStream, ContentEncoding: enc})
		if !strings.Contains(strings.Join(plan.RemoveHeaders, ","), "content-encoding") {
			t.Errorf("%s: the plan keeps content-encoding on identity SSE", enc)
		}
		for _, n := range []int{1, 7, 64, 1000, len(body)} {
			got, sink, err := translateInChunks(t, plan, body, n)
			if err != nil {
				t.Fatalf("%s in chunks of %d: %v", enc, n, err)
			}
			if got != want {
				t.Errorf("%s in chunks of %d: the client got\n%q\nwant\n%q", enc, n, got, want)
			}
			if strings.Join(sink.events, "\n") != strings.Join(events, "\n") || len(sink.fails) != 0 {
				t.Errorf("%s in chunks of %d: the meter got %d events (want %d), fails %v", enc, n, len(sink.events), len(events), sink.fails)
			}
		}
	}
}

// TestBedrockCompressedEventStreamRefused: an encoding tollgate cannot decode, or a body
// that does not decode, ends the client's stream with an Anthropic error event that says
// so, and the meter stops with the error (counted as unsupported_encoding / malformed).
func TestBedrockCompressedEventStreamRefused(t *testing.T) {
	frames, _ := bedrockFrames(t)
	p := testProviders(t)["bedrock"]
	for _, tc := range []struct {
		enc  string
		body []byte
		is   error
		says string
	}{
		{"zstd", frames, metering.ErrUnsupportedEncoding, `zstd`},
		{"gzip", append([]byte{0x1f, 0x8b}, frames...), nil, "decod"},
	} {
		plan := p.PlanResponse(Response{Client: api.AnthropicMessages, Status: 200, ContentType: api.MediaEventStream, ContentEncoding: tc.enc})
		got, sink, err := translateInChunks(t, plan, tc.body, 100)
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: err %v, want %v", tc.enc, err, tc.is)
		}
		if !strings.HasPrefix(got, "event: error\ndata: {\"type\":\"error\"") || !strings.Contains(got, tc.says) || strings.Count(got, "event: error") != 1 {
			t.Errorf("%s: the client got %q, want one error event naming %q", tc.enc, got, tc.says)
		}
		if len(sink.fails) != 1 {
			t.Errorf("%s: the meter failed %d times, want once", tc.enc, len(sink.fails))
		}
	}
}
