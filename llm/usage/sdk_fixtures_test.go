package usage_test

// The fixtures in testdata (and the Bedrock events in llm/eventstream/testdata, the
// count-tokens answers in e2e/testdata/cloud) were written by hand, by the same people
// who wrote the extractors. So that the two cannot agree only with
// each other, every fixture is also read by the official SDKs, the way a client reads
// it: anthropic-sdk-go and openai-go are given the fixture as the HTTP response of a
// fake transport and parse it with their own decoders (SSE framing, event unions,
// Bedrock event-stream translation, stream accumulators). The test then requires
//
//  1. the SDK types to know every member of every object in the fixture, with the
//     declared JSON type (no ExtraFields, no field that failed to decode), except for
//     the few members listed in knownExtras, each with the document it comes from;
//  2. the usage the SDK decodes, normalised as usage.Usage documents (input without
//     cache, output with reasoning), to equal what tollgate's extractor reports for
//     the same bytes and what the fixture's NAME.usage.json promises.
//
// See testdata/README.md ("Provenance" and "The SDK check").

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/sse"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

// knownExtras are the JSON members the fixtures carry although the SDK types do not
// declare them, keyed by member name, with where the member is documented. Anything else
// the SDK does not know fails the test: either the fixture is wrong, or the SDK is behind
// the API and the member belongs here with its source.
var knownExtras = map[string]string{
	// openai-go v3 documents the field on the request side only
	// (ChatCompletionStreamOptionsParam.IncludeObfuscation, ResponseNewParamsStreamOptions.
	// IncludeObfuscation: "adds random characters to an `obfuscation` field on streaming
	// delta events"); its chunk and delta event types do not declare it.
	"obfuscation": "OpenAI stream obfuscation (stream_options.include_obfuscation)",
	// Bedrock appends it to the last Claude event of InvokeModelWithResponseStream; no
	// published schema (AWS or Anthropic) declares it. See llm/eventstream/testdata/PROVENANCE.md.
	"amazon-bedrock-invocationMetrics": "Bedrock's invocation metrics on message_stop",
}

// sdkRead is what an SDK made of one fixture.
type sdkRead struct {
	usage    usage.Usage
	seen     bool     // the SDK decoded a usage object
	problems []string // schema problems: unknown members, members of the wrong type
	err      error    // the error the SDK's stream ended with
}

func TestFixturesAgreeWithSDKs(t *testing.T) {
	fixtures, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, fx := range fixtures {
		t.Run(fx.Name, func(t *testing.T) {
			body, err := fx.Body()
			if err != nil {
				t.Fatal(err)
			}
			stream := fx.ContentType == "text/event-stream"
			var got sdkRead
			switch {
			case fx.Kind == api.AnthropicMessages && !stream:
				got = sdkAnthropicMessage(t, anthropicClient(replay(fx.ContentType, body)))
			case fx.Kind == api.AnthropicMessages:
				got = sdkAnthropicStream(t, anthropicClient(replay(fx.ContentType, body)))
			case fx.Kind == api.OpenAIChat && !stream:
				got = sdkChat(t, body)
			case fx.Kind == api.OpenAIChat:
				got = sdkChatStream(t, body)
			case fx.Kind == api.OpenAIResponses && !stream:
				got = sdkResponse(t, body)
			case fx.Kind == api.OpenAIResponses:
				got = sdkResponseStream(t, body)
			case fx.Kind == api.GeminiGenerateContent && !stream, fx.Kind == api.GeminiStreamGenerateContent && stream:
				got = sdkGemini(t, body, stream)
			default:
				t.Fatalf("no SDK check for kind %v (%s): add one", fx.Kind, fx.ContentType)
			}
			covered[fmt.Sprintf("%v stream=%v", fx.Kind, stream)] = true

			checkSchema(t, got.problems)
			if hasErrorEvent(body) != (got.err != nil) {
				t.Errorf("SDK stream error %v; the fixture has an error event: %v", got.err, hasErrorEvent(body))
			}
			tg := tollgateRead(fx.Kind, stream, body)
			agree(t, got, tg, fx.Usage, fx.Seen)
		})
	}
	for _, want := range []string{"anthropic_messages stream=false", "anthropic_messages stream=true",
		"openai_chat stream=false", "openai_chat stream=true", "openai_responses stream=false", "openai_responses stream=true",
		"gemini_generate_content stream=false", "gemini_stream_generate_content stream=true"} {
		if !covered[want] {
			t.Errorf("no fixture checked for %s", want)
		}
	}
}

// TestBedrockFixturesAgreeWithSDK: the Anthropic events of the Bedrock stream fixture
// (llm/eventstream/testdata/stream_events.jsonl), framed as InvokeModelWithResponseStream
// chunks, are read by anthropic-sdk-go's Bedrock client (which decodes the AWS event
// stream itself), by tollgate's event-stream decoder and extractor, and compared with the
// stream's own amazon-bedrock-invocationMetrics. The non-streamed InvokeModel answer is
// the Anthropic message fixture, read through the same Bedrock client.
func TestBedrockFixturesAgreeWithSDK(t *testing.T) {
	t.Run("invoke-with-response-stream", func(t *testing.T) {
		events := bedrockEvents(t)
		frames := bedrockFrames(t, events)
		got := sdkAnthropicStream(t, bedrockClient(replay("application/vnd.amazon.eventstream", frames)))
		checkSchema(t, got.problems)
		if got.err != nil {
			t.Fatalf("SDK stream error: %v", got.err)
		}
		// The same events one by one, as the union type (ping is skipped by the SDK's
		// stream by name, so it is allowed here by type).
		for i, ev := range events {
			var u anthropic.MessageStreamEventUnion
			if err := u.UnmarshalJSON(ev); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			if u.Type == "ping" {
				continue
			}
			checkSchema(t, schemaProblems(u, fmt.Sprintf("event[%d]", i)))
		}

		ex := usage.NewExtractor(api.BedrockInvokeStream)
		dec := eventstream.NewDecoder(eventstream.Handler{Event: func(ev []byte) { ex.Event("", ev) }})
		if err := dec.Write(frames); err != nil {
			t.Fatal(err)
		}
		if err := dec.Finish(); err != nil {
			t.Fatal(err)
		}
		// Bedrock's own count, as the SDK keeps it: an extra member of message_stop.
		var last anthropic.MessageStreamEventUnion
		if err := last.UnmarshalJSON(events[len(events)-1]); err != nil || last.Type != "message_stop" {
			t.Fatalf("last event %s: %v", events[len(events)-1], err)
		}
		raw := gjson.Parse(last.AsMessageStop().JSON.ExtraFields["amazon-bedrock-invocationMetrics"].Raw())
		metrics := usage.Usage{Input: raw.Get("inputTokenCount").Int(), Output: raw.Get("outputTokenCount").Int(),
			CacheRead: raw.Get("cacheReadInputTokenCount").Int(), CacheWrite: raw.Get("cacheWriteInputTokenCount").Int(),
			CacheWrite1h: got.usage.CacheWrite1h} // Bedrock's metrics do not split the cache write
		if m, ok := dec.Metrics(); !ok || m.InputTokens != metrics.Input || m.OutputTokens != metrics.Output ||
			m.CacheReadTokens != metrics.CacheRead || m.CacheWriteTokens != metrics.CacheWrite {
			t.Errorf("tollgate's decoder reads the invocation metrics as %+v (%v), the SDK's message_stop has %s", m, ok, raw.Raw)
		}
		agree(t, got, tollgate{ex.Usage(), ex.Seen()}, metrics, true)
	})
	t.Run("invoke", func(t *testing.T) {
		fx := fixtureNamed(t, "anthropic")
		body, err := fx.Body()
		if err != nil {
			t.Fatal(err)
		}
		got := sdkAnthropicMessage(t, bedrockClient(replay(fx.ContentType, body)))
		checkSchema(t, got.problems)
		agree(t, got, tollgateRead(api.BedrockInvoke, false, body), fx.Usage, fx.Seen)
	})
}

// TestCountTokensFixturesAgreeWithSDK: the Anthropic-shaped count_tokens answer (what
// Vertex returns, and what tollgate answers an Anthropic client routed to Bedrock)
// decodes into anthropic-sdk-go's MessageTokensCount through Messages.CountTokens, and
// tollgate reports no billable usage for it.
func TestCountTokensFixturesAgreeWithSDK(t *testing.T) {
	body := readFile(t, filepath.Join(repoRoot(t), "e2e", "testdata", "cloud", "vertex_count_tokens.json"))
	rt := replay("application/json", body)
	c := anthropicClient(rt)
	res, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
		Model:    "claude-sonnet-4-5",
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("count me"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rt.path != "/v1/messages/count_tokens" {
		t.Fatalf("the SDK called %s", rt.path)
	}
	checkSchema(t, schemaProblems(*res, "$"))
	if !res.JSON.InputTokens.Valid() || res.InputTokens != gjson.GetBytes(body, "input_tokens").Int() || res.InputTokens <= 0 {
		t.Errorf("SDK input_tokens %d (valid %v), fixture %s", res.InputTokens, res.JSON.InputTokens.Valid(), body)
	}
	for _, k := range []api.Kind{api.AnthropicCountTokens, api.VertexCountTokens, api.BedrockCountTokens} {
		if tg := tollgateRead(k, false, body); tg.seen || !tg.usage.IsZero() {
			t.Errorf("%v: tollgate reported usage %+v for a token count", k, tg.usage)
		}
	}
}

// TestBedrockCountTokensFixtureAgreesWithSDK: Bedrock's own CountTokens answer
// (e2e/testdata/cloud/bedrock_count_tokens.json, which tollgate reshapes for Anthropic
// clients) decodes with aws-sdk-go-v2's bedrockruntime client, the official SDK of that
// API (anthropic-sdk-go does not call CountTokens on Bedrock).
func TestBedrockCountTokensFixtureAgreesWithSDK(t *testing.T) {
	body := readFile(t, filepath.Join(repoRoot(t), "e2e", "testdata", "cloud", "bedrock_count_tokens.json"))
	rt := replay("application/json", body)
	c := bedrockruntime.New(bedrockruntime.Options{
		Region: "ap-northeast-1", BaseEndpoint: aws.String("http://fixture.invalid"), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: rt},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDFIXTURE", SecretAccessKey: "fixture-secret"}, nil
		}),
	})
	out, err := c.CountTokens(context.Background(), &bedrockruntime.CountTokensInput{
		ModelId: aws.String("anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Input: &bedrocktypes.CountTokensInputMemberInvokeModel{Value: bedrocktypes.InvokeModelTokensRequest{
			Body: []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":"count me"}]}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rt.path, "/count-tokens") {
		t.Fatalf("the SDK called %s", rt.path)
	}
	if out.InputTokens == nil || int64(*out.InputTokens) != gjson.GetBytes(body, "inputTokens").Int() || *out.InputTokens <= 0 {
		t.Errorf("SDK inputTokens %v, fixture %s", out.InputTokens, body)
	}
	// The SDK's deserializer skips members it does not know; so the fixture must hold
	// no other member than the one the CountTokensOutput shape declares.
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || len(members) != 1 {
		t.Errorf("fixture members %v (%v), want only inputTokens", members, err)
	}
}

// TestSchemaCheckCatchesDrift: the schema walk is not vacuous. A misspelled member, a
// count sent as a string and an unknown delta type are each reported.
func TestSchemaCheckCatchesDrift(t *testing.T) {
	for _, tc := range []struct{ event, want string }{
		{`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12,"outptu_tokens":3}}`,
			"ev.usage.outptu_tokens: not declared by anthropic.MessageDeltaUsage"},
		{`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":"12"}}`,
			`ev.usage.output_tokens: "12" does not decode into int64`},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"bogus_delta","text":"x"}}`,
			"ev.delta: no RawContentBlockDeltaUnion variant"},
	} {
		var u anthropic.MessageStreamEventUnion
		if err := u.UnmarshalJSON([]byte(tc.event)); err != nil {
			t.Fatal(err)
		}
		got := schemaProblems(u, "ev")
		if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
			t.Errorf("%s: problems %q, want one starting %q", tc.event, got, tc.want)
		}
	}
}

// agree checks the SDK's usage, tollgate's and the expected one are the same.
func agree(t *testing.T, sdk sdkRead, tg tollgate, want usage.Usage, wantSeen bool) {
	t.Helper()
	if sdk.usage != tg.usage || sdk.seen != tg.seen {
		t.Errorf("SDK decodes usage %+v (seen %v), tollgate's extractor %+v (seen %v)", sdk.usage, sdk.seen, tg.usage, tg.seen)
	}
	if sdk.usage != want || sdk.seen != wantSeen {
		t.Errorf("SDK decodes usage %+v (seen %v), the fixture expects %+v (seen %v)", sdk.usage, sdk.seen, want, wantSeen)
	}
}

type tollgate struct {
	usage usage.Usage
	seen  bool
}

// tollgateRead is what tollgate's extractor reports for body: streams go through the SSE
// parser as the meter feeds them.
func tollgateRead(k api.Kind, stream bool, body []byte) tollgate {
	ex := usage.NewExtractor(k)
	if !stream {
		ex.Body(body)
		return tollgate{ex.Usage(), ex.Seen()}
	}
	p := sse.NewParser(0, func(name string, data []byte) { ex.Event(name, data) })
	_ = p.Write(body)
	_ = p.Finish()
	return tollgate{ex.Usage(), ex.Seen()}
}

// --- Anthropic --------------------------------------------------------------------

func anthropicClient(rt *replayTransport) anthropic.Client {
	return anthropic.NewClient(anthropicoption.WithoutEnvironmentDefaults(), anthropicoption.WithBaseURL("http://fixture.invalid"),
		anthropicoption.WithAPIKey("fixture-key"), anthropicoption.WithHTTPClient(&http.Client{Transport: rt}),
		anthropicoption.WithMaxRetries(0))
}

// bedrockClient is anthropic-sdk-go's Bedrock client (Claude Code's Bedrock mode): it
// rewrites the request for InvokeModel and translates the AWS event stream it gets back.
func bedrockClient(rt *replayTransport) anthropic.Client {
	return anthropic.NewClient(
		bedrock.WithConfig(aws.Config{Region: "us-east-1", AuthSchemePreference: []string{"httpBearerAuth"},
			BearerAuthTokenProvider: bedrock.NewStaticBearerTokenProvider("fixture-key")}),
		anthropicoption.WithBaseURL("http://fixture.invalid"), anthropicoption.WithHTTPClient(&http.Client{Transport: rt}),
		anthropicoption.WithMaxRetries(0))
}

func anthropicParams() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model: "anthropic.claude-sonnet-4-5-20250929-v1:0", MaxTokens: 1024,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}
}

func sdkAnthropicMessage(t *testing.T, c anthropic.Client) sdkRead {
	t.Helper()
	msg, err := c.Messages.New(context.Background(), anthropicParams())
	if err != nil {
		t.Fatal(err)
	}
	return sdkRead{usage: fromAnthropic(msg.Usage), seen: msg.JSON.Usage.Valid(), problems: schemaProblems(*msg, "$")}
}

func sdkAnthropicStream(t *testing.T, c anthropic.Client) sdkRead {
	t.Helper()
	var out sdkRead
	var acc anthropic.Message
	st := c.Messages.NewStreaming(context.Background(), anthropicParams())
	for i := 0; st.Next(); i++ {
		ev := st.Current()
		out.problems = append(out.problems, schemaProblems(ev, fmt.Sprintf("event[%d](%s)", i, ev.Type))...)
		if err := acc.Accumulate(ev); err != nil {
			t.Fatalf("Accumulate(%s): %v", ev.Type, err)
		}
		switch ev.Type {
		case "message_start":
			out.seen = out.seen || ev.Message.JSON.Usage.Valid()
		case "message_delta":
			out.seen = out.seen || ev.JSON.Usage.Valid()
		}
	}
	out.err = st.Err()
	var apiErr *anthropic.Error
	if out.err != nil && !errors.As(out.err, &apiErr) {
		t.Fatalf("stream ended with a non-API error: %v", out.err)
	}
	st.Close()
	out.usage = fromAnthropic(acc.Usage)
	if out.seen && acc.Usage.JSON.CacheCreation.Valid() {
		// The split by lifetime adds up to the cache write (Anthropic's prompt-caching docs).
		cc := acc.Usage.CacheCreation
		if cc.Ephemeral5mInputTokens+cc.Ephemeral1hInputTokens != acc.Usage.CacheCreationInputTokens {
			out.problems = append(out.problems, fmt.Sprintf("usage.cache_creation: 5m %d + 1h %d != cache_creation_input_tokens %d",
				cc.Ephemeral5mInputTokens, cc.Ephemeral1hInputTokens, acc.Usage.CacheCreationInputTokens))
		}
	}
	return out
}

// fromAnthropic normalises Anthropic usage: input_tokens already excludes the cache.
func fromAnthropic(u anthropic.Usage) usage.Usage {
	return usage.Usage{
		Input: u.InputTokens, Output: u.OutputTokens,
		CacheRead: u.CacheReadInputTokens, CacheWrite: u.CacheCreationInputTokens,
		CacheWrite1h: u.CacheCreation.Ephemeral1hInputTokens, Reasoning: u.OutputTokensDetails.ThinkingTokens,
	}
}

// --- OpenAI -----------------------------------------------------------------------

func openAIClient(rt *replayTransport) openai.Client {
	return openai.NewClient(openaioption.WithBaseURL("http://fixture.invalid/v1/"), openaioption.WithAPIKey("fixture-key"),
		openaioption.WithHTTPClient(&http.Client{Transport: rt}), openaioption.WithMaxRetries(0))
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: "gpt-5.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
}

func sdkChat(t *testing.T, body []byte) sdkRead {
	t.Helper()
	c := openAIClient(replay("application/json", body))
	cc, err := c.Chat.Completions.New(context.Background(), chatParams())
	if err != nil {
		t.Fatal(err)
	}
	return sdkRead{usage: fromChat(cc.Usage), seen: cc.JSON.Usage.Valid(), problems: append(schemaProblems(*cc, "$"), chatTotals(cc.Usage)...)}
}

func sdkChatStream(t *testing.T, body []byte) sdkRead {
	t.Helper()
	var out sdkRead
	var acc openai.ChatCompletionAccumulator
	c := openAIClient(replay("text/event-stream", body))
	st := c.Chat.Completions.NewStreaming(context.Background(), chatParams())
	usageChunks := 0
	for i := 0; st.Next(); i++ {
		ch := st.Current()
		out.problems = append(out.problems, schemaProblems(ch, fmt.Sprintf("chunk[%d]", i))...)
		if !acc.AddChunk(ch) {
			t.Fatalf("chunk %d: the accumulator refused it", i)
		}
		// Every chunk has "usage": null but the one extra chunk before [DONE]
		// (ChatCompletionStreamOptionsParam.IncludeUsage).
		if ch.JSON.Usage.Valid() {
			usageChunks++
			out.usage, out.seen = fromChat(ch.Usage), true
			out.problems = append(out.problems, chatTotals(ch.Usage)...)
			if len(ch.Choices) != 0 {
				out.problems = append(out.problems, fmt.Sprintf("chunk[%d]: usage chunk with %d choices, want []", i, len(ch.Choices)))
			}
		}
	}
	out.err = st.Err()
	st.Close()
	if usageChunks > 1 {
		out.problems = append(out.problems, fmt.Sprintf("%d chunks carry usage, want one", usageChunks))
	}
	if out.seen && (acc.Usage.PromptTokens != out.usage.Input+out.usage.CacheRead+out.usage.CacheWrite || acc.Usage.CompletionTokens != out.usage.Output) {
		out.problems = append(out.problems, fmt.Sprintf("the SDK's accumulator sums usage to %+v", acc.Usage))
	}
	return out
}

// fromChat normalises Chat Completions usage: prompt_tokens includes the cached and
// cache-written tokens, completion_tokens the reasoning tokens.
func fromChat(u openai.CompletionUsage) usage.Usage {
	d := u.PromptTokensDetails
	return usage.Usage{
		Input: u.PromptTokens - d.CachedTokens - d.CacheWriteTokens, Output: u.CompletionTokens,
		CacheRead: d.CachedTokens, CacheWrite: d.CacheWriteTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens,
	}
}

func chatTotals(u openai.CompletionUsage) []string {
	if u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		return []string{fmt.Sprintf("usage: total_tokens %d != prompt %d + completion %d", u.TotalTokens, u.PromptTokens, u.CompletionTokens)}
	}
	return nil
}

func responseParams() responses.ResponseNewParams {
	return responses.ResponseNewParams{Model: "gpt-5.1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}}
}

func sdkResponse(t *testing.T, body []byte) sdkRead {
	t.Helper()
	c := openAIClient(replay("application/json", body))
	r, err := c.Responses.New(context.Background(), responseParams())
	if err != nil {
		t.Fatal(err)
	}
	return sdkRead{usage: fromResponses(r.Usage), seen: r.JSON.Usage.Valid(), problems: append(schemaProblems(*r, "$"), responsesTotals(r.Usage)...)}
}

func sdkResponseStream(t *testing.T, body []byte) sdkRead {
	t.Helper()
	var out sdkRead
	c := openAIClient(replay("text/event-stream", body))
	st := c.Responses.NewStreaming(context.Background(), responseParams())
	for i := 0; st.Next(); i++ {
		ev := st.Current()
		out.problems = append(out.problems, schemaProblems(ev, fmt.Sprintf("event[%d](%s)", i, ev.Type))...)
		// Usage arrives in the final response object of the terminal event.
		var r responses.Response
		switch ev.Type {
		case "response.completed":
			r = ev.AsResponseCompleted().Response
		case "response.incomplete":
			r = ev.AsResponseIncomplete().Response
		case "response.failed":
			r = ev.AsResponseFailed().Response
		default:
			continue
		}
		if r.JSON.Usage.Valid() {
			out.usage, out.seen = fromResponses(r.Usage), true
			out.problems = append(out.problems, responsesTotals(r.Usage)...)
		}
	}
	out.err = st.Err()
	st.Close()
	return out
}

// fromResponses normalises Responses usage, which counts like Chat Completions.
func fromResponses(u responses.ResponseUsage) usage.Usage {
	d := u.InputTokensDetails
	return usage.Usage{
		Input: u.InputTokens - d.CachedTokens - d.CacheWriteTokens, Output: u.OutputTokens,
		CacheRead: d.CachedTokens, CacheWrite: d.CacheWriteTokens, Reasoning: u.OutputTokensDetails.ReasoningTokens,
	}
}

func responsesTotals(u responses.ResponseUsage) []string {
	if u.TotalTokens != u.InputTokens+u.OutputTokens {
		return []string{fmt.Sprintf("usage: total_tokens %d != input %d + output %d", u.TotalTokens, u.InputTokens, u.OutputTokens)}
	}
	return nil
}

// --- the SDK types' view of a fixture ---------------------------------------------

// fieldMeta is the per-member metadata both SDKs decode next to each field
// (respjson.Field): Raw is the member's JSON ("" when absent), Valid whether it decoded
// into the declared type (or was null).
type fieldMeta interface {
	Valid() bool
	Raw() string
}

// schemaProblems walks a value decoded by one of the SDKs and lists the members the SDK
// types do not declare (their JSON.ExtraFields) and the members present with a JSON type
// the SDK could not decode. Discriminated unions are checked as the variant their type
// names (AsAny); a union whose discriminator no variant has is a problem too.
func schemaProblems(v any, path string) []string {
	var out []string
	walkSDK(reflect.ValueOf(v), path, &out)
	sort.Strings(out)
	return out
}

func walkSDK(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkSDK(v.Elem(), path, out)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON (tool input) or bytes
		}
		for i := range v.Len() {
			walkSDK(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkSDK(v.MapIndex(k), fmt.Sprintf("%s.%v", path, k), out)
		}
	case reflect.Struct:
		if variant, ok := unionVariant(v); ok {
			if !variant.IsValid() {
				*out = append(*out, fmt.Sprintf("%s: no %s variant for %s", path, v.Type().Name(), rawJSON(v)))
				return
			}
			walkSDK(variant, path, out)
			return
		}
		meta := v.FieldByName("JSON")
		if meta.IsValid() && meta.Kind() == reflect.Struct {
			for i := range meta.NumField() {
				f, fv := meta.Type().Field(i), meta.Field(i)
				if !f.IsExported() {
					continue
				}
				if f.Name == "ExtraFields" {
					for _, k := range fv.MapKeys() {
						*out = append(*out, fmt.Sprintf("%s.%s: not declared by %s", path, k, v.Type()))
					}
					continue
				}
				m, ok := fv.Interface().(fieldMeta)
				if !ok || m.Raw() == "" || m.Raw() == "null" {
					continue
				}
				// The SDKs coerce some mismatches (a count sent as "12" decodes and is
				// Valid), so the JSON kind is compared with the declared Go type as well.
				if decl, found := v.Type().FieldByName(f.Name); !m.Valid() || (found && !sameKind(decl.Type, m.Raw())) {
					*out = append(*out, fmt.Sprintf("%s.%s: %s does not decode into %s", path, jsonName(v.Type(), f.Name), m.Raw(), fieldType(v.Type(), f.Name)))
				}
			}
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "JSON" {
				continue
			}
			walkSDK(v.Field(i), path+"."+jsonName(v.Type(), f.Name), out)
		}
	}
}

// unionVariant returns the concrete variant of a discriminated SDK union (one with an
// AsAny method); ok is false for other types and for unions absent from the JSON.
func unionVariant(v reflect.Value) (variant reflect.Value, ok bool) {
	m := v.MethodByName("AsAny")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || rawJSON(v) == "" {
		return reflect.Value{}, false
	}
	r := m.Call(nil)[0]
	if r.Kind() == reflect.Interface {
		if r.IsNil() {
			return reflect.Value{}, true
		}
		r = r.Elem()
	}
	return r, true
}

// sameKind reports whether raw JSON has the kind a field of Go type t holds. Unions
// (the SDKs' *Union types), interfaces and raw JSON accept any kind.
func sameKind(t reflect.Type, raw string) bool {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.Contains(t.Name(), "Union") {
		return true
	}
	c := raw[0]
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return c == '-' || (c >= '0' && c <= '9')
	case reflect.String:
		return c == '"'
	case reflect.Bool:
		return raw == "true" || raw == "false"
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() == reflect.Uint8 || c == '['
	case reflect.Struct, reflect.Map:
		return c == '{'
	case reflect.Pointer:
		return sameKind(t.Elem(), raw)
	}
	return true
}

func rawJSON(v reflect.Value) string {
	if m := v.MethodByName("RawJSON"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
		if s, ok := m.Call(nil)[0].Interface().(string); ok {
			return s
		}
	}
	return ""
}

func jsonName(t reflect.Type, field string) string {
	if f, ok := t.FieldByName(field); ok {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			return name
		}
	}
	return field
}

func fieldType(t reflect.Type, field string) string {
	if f, ok := t.FieldByName(field); ok {
		return f.Type.String()
	}
	return "?"
}

// checkSchema fails on every problem that is not a documented extra member.
func checkSchema(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		if member, ok := extraMember(p); ok {
			if why, known := knownExtras[member]; known {
				t.Logf("known extra (%s): %s", why, p)
				continue
			}
		}
		t.Errorf("SDK schema: %s", p)
	}
}

func extraMember(problem string) (string, bool) {
	path, rest, ok := strings.Cut(problem, ": ")
	if !ok || !strings.HasPrefix(rest, "not declared by ") {
		return "", false
	}
	return path[strings.LastIndexByte(path, '.')+1:], true
}

// --- fixtures and the fake transport ------------------------------------------------

// replayTransport answers every request with one fixture body.
type replayTransport struct {
	contentType string
	body        []byte
	path        string // the path of the last request
}

func replay(contentType string, body []byte) *replayTransport {
	return &replayTransport{contentType: contentType, body: body}
}

func (rt *replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	rt.path = r.URL.Path
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {rt.contentType}},
		Body:          io.NopCloser(bytes.NewReader(rt.body)),
		ContentLength: int64(len(rt.body)), Request: r,
	}, nil
}

// hasErrorEvent reports whether an SSE body carries an Anthropic error event.
func hasErrorEvent(body []byte) bool {
	return bytes.HasPrefix(body, []byte("event: error\n")) || bytes.Contains(body, []byte("\nevent: error\n"))
}

func fixtureNamed(t *testing.T, name string) usagetest.Fixture {
	t.Helper()
	fxs, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		if fx.Name == name {
			return fx
		}
	}
	t.Fatalf("no fixture %s", name)
	return usagetest.Fixture{}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	return filepath.Join(usagetest.Dir(), "..", "..", "..")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bedrockEvents are the Anthropic events of the Bedrock stream fixture, one per line.
func bedrockEvents(t *testing.T) [][]byte {
	t.Helper()
	raw := readFile(t, filepath.Join(repoRoot(t), "llm", "eventstream", "testdata", "stream_events.jsonl"))
	return bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
}

// bedrockFrames frames events as InvokeModelWithResponseStream does: one `chunk` event
// message each, whose JSON payload holds the event base64-encoded in "bytes" (PayloadPart)
// and Bedrock's "p" padding.
func bedrockFrames(t *testing.T, events [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := awses.NewEncoder()
	for _, ev := range events {
		payload, err := json.Marshal(map[string]string{
			"bytes": base64.StdEncoding.EncodeToString(ev),
			"p":     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"[:len(ev)%40],
		})
		if err != nil {
			t.Fatal(err)
		}
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":content-type", awses.StringValue("application/json"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := enc.Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}
