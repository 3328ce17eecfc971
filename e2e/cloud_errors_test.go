package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/mock"
)

// throttlingFrame is the exception frame Bedrock sends when it throttles mid-stream.
func throttlingFrame(t *testing.T) []byte {
	t.Helper()
	var hs awses.Headers
	hs.Set(":message-type", awses.StringValue("exception"))
	hs.Set(":exception-type", awses.StringValue("throttlingException"))
	hs.Set(":content-type", awses.StringValue("application/json"))
	payload, _ := json.Marshal(map[string]string{"message": "Too many tokens, please wait before trying again."})
	var buf bytes.Buffer
	if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBedrockErrors: Bedrock's errors reach anthropic-sdk-go as Anthropic errors — a 429
// JSON body as a rate_limit_error with the same status, a throttling exception in the
// middle of a stream as an error event — and the usage seen before the error is billed.
func TestBedrockErrors(t *testing.T) {
	events := bedrockEvents(t)
	head, err := mock.BedrockStream(events[:3]) // message_start and the first block
	if err != nil {
		t.Fatal(err)
	}
	bedrockEnv(t)
	prov := mock.NewBedrock(mock.BedrockOptions{
		Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1", Credentials: awsCreds,
		Models: []string{bedrockUpstream}, ClientKeys: clientKeys,
		Invoke: &mock.Fixture{Status: 429, ContentType: "application/json",
			Body: []byte(`{"message":"Too many requests, please wait before trying again."}`)},
		Stream: &mock.Fixture{ContentType: mock.BedrockEventStreamType, Body: append(head, throttlingFrame(t)...)},
	})
	s := startStack(t, map[string]*mock.Provider{"bedrock-tokyo": prov.Provider})
	c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(s.URL),
		option.WithAPIKey(keyTeamA), option.WithMaxRetries(0))
	params := userMessage()
	params.Model = bedrockModel

	_, err = c.Messages.New(context.Background(), params)
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || !strings.Contains(apiErr.RawJSON(), `"rate_limit_error"`) ||
		!strings.Contains(apiErr.RawJSON(), "Too many requests") {
		t.Fatalf("non-streaming 429: %v", err)
	}

	st := c.Messages.NewStreaming(context.Background(), params)
	n := 0
	for st.Next() {
		n++
	}
	if err := st.Err(); err == nil || !strings.Contains(err.Error(), "rate_limit_error") {
		t.Errorf("stream error = %v, want the throttling exception as a rate_limit_error event", err)
	}
	if n == 0 {
		t.Error("no events before the error")
	}
	s.checkProviders(t)

	m := s.GW.Metrics()
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("platform", bedrockModel, "bedrock-tokyo", "429")); got != 1 {
		t.Errorf("requests{code=429} = %v", got)
	}
	// The input and cache tokens of message_start were seen before the throttle.
	var start struct {
		Message struct {
			Usage struct {
				Input     int64 `json:"input_tokens"`
				CacheRead int64 `json:"cache_read_input_tokens"`
			} `json:"usage"`
		} `json:"message"`
	}
	if err := json.Unmarshal(events[0], &start); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.Tokens.WithLabelValues("platform", bedrockModel, "bedrock-tokyo", "input")); got != float64(start.Message.Usage.Input) {
		t.Errorf("input tokens billed %v, want %d", got, start.Message.Usage.Input)
	}
	if got := testutil.ToFloat64(m.Tokens.WithLabelValues("platform", bedrockModel, "bedrock-tokyo", "cache_read")); got != float64(start.Message.Usage.CacheRead) {
		t.Errorf("cache_read tokens billed %v, want %d", got, start.Message.Usage.CacheRead)
	}
}
