package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"maps"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/bedrock"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
)

// The models of testdata/tollgate.yaml routed to the cloud providers, and where
// envoy.yaml sends them.
const (
	bedrockModel       = "claude-sonnet-4-5"                                // → bedrock-tokyo, jp. profile
	bedrockNativeModel = "global.anthropic.claude-sonnet-4-5-20250929-v1:0" // a Bedrock-native client's id
	bedrockUpstream    = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
	bedrockPath        = "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/"
	bedrockHost        = "bedrock-runtime.ap-northeast-1.amazonaws.com"
	vertexModel        = "claude-opus-4-1@20250805"
	vertexProject      = "e2e-project"
	vertexPath         = "/v1/projects/e2e-project/locations/global/publishers/anthropic/models/"
	vertexHost         = "aiplatform.googleapis.com"
	betaFlag           = "interleaved-thinking-2025-05-14"
)

func bedrockProvider(t *testing.T) *mock.Bedrock {
	t.Helper()
	fx := fixtures(t)
	stream, err := mock.BedrockStream(bedrockEvents(t))
	if err != nil {
		t.Fatal(err)
	}
	return mock.NewBedrock(mock.BedrockOptions{
		Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1", Credentials: awsCreds,
		Models: []string{bedrockUpstream}, ClientKeys: clientKeys,
		Invoke:      replay(t, fx["anthropic"]),
		Stream:      &mock.Fixture{ContentType: mock.BedrockEventStreamType, Body: stream},
		CountTokens: &mock.Fixture{ContentType: "application/json", Body: cloudFixture(t, "bedrock_count_tokens.json")},
	})
}

func vertexProvider(t *testing.T, ts *mock.TokenServer) *mock.Vertex {
	t.Helper()
	fx := fixtures(t)
	return mock.NewVertex(mock.VertexOptions{
		Name: "vertex", Host: vertexHost, Project: vertexProject, Region: "global",
		Models: []string{vertexModel}, Tokens: ts, ClientKeys: clientKeys,
		RawPredict:       replay(t, fx["anthropic"]),
		StreamRawPredict: replay(t, fx["anthropic_stream"]),
		CountTokens:      &mock.Fixture{ContentType: "application/json", Body: cloudFixture(t, "vertex_count_tokens.json")},
	})
}

// cloudCase is one Messages request through a cloud provider and what must come of it.
type cloudCase struct {
	name   string
	stream bool
	key    string
	team   string
	// text and want are what the provider's answer says (from the fixture).
	text string
	want usage.Usage
}

// messages sends params with or without streaming and returns the SDK's message.
func messages(t *testing.T, c anthropic.Client, params anthropic.MessageNewParams, stream bool) anthropic.Message {
	t.Helper()
	if !stream {
		m, err := c.Messages.New(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		return *m
	}
	var msg anthropic.Message
	st := c.Messages.NewStreaming(context.Background(), params)
	for st.Next() {
		if err := msg.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	return msg
}

// checkSDKMessage: the SDK parsed the provider's text and usage.
func checkSDKMessage(t *testing.T, msg anthropic.Message, text string, want usage.Usage) {
	t.Helper()
	var got strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			got.WriteString(b.Text)
		}
	}
	if got.String() != text || text == "" {
		t.Errorf("SDK text %q, want %q", got.String(), text)
	}
	u := msg.Usage
	if u.InputTokens != want.Input || u.OutputTokens != want.Output ||
		u.CacheReadInputTokens != want.CacheRead || u.CacheCreationInputTokens != want.CacheWrite {
		t.Errorf("SDK usage in=%d out=%d cache_read=%d cache_write=%d, fixture %+v",
			u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens, want)
	}
}

// checkBilled: tollgate_tokens_total and the access log line equal the fixture usage.
func checkBilled(t *testing.T, s *stack, team, model, provider string, want usage.Usage) {
	t.Helper()
	if got := tokens(t, s.GW.Registry(), team, model, provider); !maps.Equal(got, wantTokens(want)) {
		t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
	}
	checkAccessLog(t, s, team, model, provider, want)
}

// onlyExchange is the single request a fake provider got.
func onlyExchange(t *testing.T, p *mock.Provider) mock.Exchange {
	t.Helper()
	ex := p.Exchanges()
	if len(ex) != 1 {
		t.Fatalf("provider got %d requests, want 1", len(ex))
	}
	if ex[0].Header.Get("x-tollgate-provider") != "" {
		t.Error("x-tollgate-provider reached the provider (request_headers_to_remove)")
	}
	return ex[0]
}

// TestBedrockMessages: anthropic-sdk-go's Messages, streamed and not, routed to
// bedrock-tokyo. The fake verified tollgate's SigV4 signature over the final path, Host
// and body; the body is the client's minus model and stream plus the Bedrock envelope;
// the event stream reaches the client as Anthropic SSE.
func TestBedrockMessages(t *testing.T) {
	fx := fixtures(t)
	events := bedrockEvents(t)
	jsonBody, err := fx["anthropic"].Body()
	if err != nil {
		t.Fatal(err)
	}
	tests := []cloudCase{
		{"invoke", false, keyTeamA, "platform", messageText(jsonBody), fx["anthropic"].Usage},
		{"invoke-with-response-stream", true, keyTeamB, "research", streamText(events), invocationUsage(t, events)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bedrockEnv(t)
			prov := bedrockProvider(t)
			s := startStack(t, map[string]*mock.Provider{"bedrock-tokyo": prov.Provider})
			rec := newRecorder()
			tap := &headerTap{rec: rec}
			c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(s.URL),
				option.WithAPIKey(tc.key), option.WithHTTPClient(tap.client()), option.WithMaxRetries(0),
				option.WithHeader("anthropic-beta", betaFlag))
			params := userMessage()
			params.Model = bedrockModel
			msg := messages(t, c, params, tc.stream)

			s.checkProviders(t)
			if prov.Verified() != 1 {
				t.Errorf("%d signatures verified, want 1", prov.Verified())
			}
			checkSDKMessage(t, msg, tc.text, tc.want)

			ex := onlyExchange(t, prov.Provider)
			if want := bedrockPath + tc.name; ex.Path != want || ex.Host != bedrockHost {
				t.Errorf("upstream %s %s, want %s %s", ex.Host, ex.Path, bedrockHost, want)
			}
			sent, received := rec.last(t)
			if got, want := without(t, ex.Body, "anthropic_version", "anthropic_beta"), without(t, sent, "model", "stream"); !bytes.Equal(got, want) {
				t.Errorf("request body changed beyond the Bedrock envelope:\n client: %s\n provider: %s", sent, ex.Body)
			}
			if got := gjson.GetBytes(ex.Body, "anthropic_beta").Raw; got != `["`+betaFlag+`"]` {
				t.Errorf("anthropic_beta %s, want the client's anthropic-beta header", got)
			}
			ct := tap.header().Get("Content-Type")
			if tc.stream {
				if want := asSSE(events); !bytes.Equal(received, want) {
					t.Errorf("client got\n%s\nwant the event stream as Anthropic SSE\n%s", received, want)
				}
				if ct != "text/event-stream" {
					t.Errorf("client content-type %q", ct)
				}
			} else if !bytes.Equal(received, ex.Sent) {
				t.Errorf("response body changed on the way (%d bytes sent, %d received)", len(ex.Sent), len(received))
			}
			checkBilled(t, s, tc.team, bedrockModel, "bedrock-tokyo", tc.want)
		})
	}
}

// TestBedrockNativeStream: anthropic-sdk-go's bedrock package (Claude Code's Bedrock
// mode) pointed at the gateway with a bearer client key. Its global. profile id is routed
// to the jp. profile and re-signed; the AWS event stream reaches it unchanged.
func TestBedrockNativeStream(t *testing.T) {
	bedrockEnv(t)
	events := bedrockEvents(t)
	prov := bedrockProvider(t)
	s := startStack(t, map[string]*mock.Provider{"bedrock-tokyo": prov.Provider})
	rec := newRecorder()
	tap := &headerTap{rec: rec}
	c := anthropic.NewClient(
		bedrock.WithConfig(aws.Config{Region: "us-east-1", AuthSchemePreference: []string{"httpBearerAuth"},
			BearerAuthTokenProvider: bedrock.NewStaticBearerTokenProvider(keyTeamA)}),
		option.WithBaseURL(s.URL), option.WithHTTPClient(tap.client()), option.WithMaxRetries(0),
		// This SDK copies its anthropic-version header (a first-party API date) into the
		// body; Bedrock documents only bedrock-2023-05-31, which Claude Code sends.
		option.WithJSONSet("anthropic_version", mock.BedrockAnthropicVersion))
	params := userMessage()
	params.Model = bedrockNativeModel
	msg := messages(t, c, params, true)

	s.checkProviders(t)
	if prov.Verified() != 1 {
		t.Errorf("%d signatures verified, want 1", prov.Verified())
	}
	checkSDKMessage(t, msg, streamText(events), invocationUsage(t, events))

	ex := onlyExchange(t, prov.Provider)
	if want := bedrockPath + "invoke-with-response-stream"; ex.Path != want {
		t.Errorf("upstream path %s, want %s", ex.Path, want)
	}
	rec.mu.Lock()
	clientPath := rec.exchanges[0].Path
	rec.mu.Unlock()
	if !strings.HasPrefix(clientPath, "/model/global.anthropic.") {
		t.Errorf("the SDK sent %s, not a Bedrock-native path", clientPath)
	}
	sent, received := rec.last(t)
	if !bytes.Equal(ex.Body, sent) {
		t.Errorf("request body changed on the way:\n client: %s\n provider: %s", sent, ex.Body)
	}
	if !bytes.Equal(received, ex.Sent) {
		t.Errorf("event stream changed on the way (%d bytes sent, %d received)", len(ex.Sent), len(received))
	}
	if ct := tap.header().Get("Content-Type"); ct != mock.BedrockEventStreamType {
		t.Errorf("client content-type %q", ct)
	}
	checkBilled(t, s, "platform", bedrockNativeModel, "bedrock-tokyo", invocationUsage(t, events))
}

// TestVertexMessages: anthropic-sdk-go's Messages, streamed and not, routed to vertex
// with a token from the service account's token server.
func TestVertexMessages(t *testing.T) {
	fx := fixtures(t)
	jsonBody, err := fx["anthropic"].Body()
	if err != nil {
		t.Fatal(err)
	}
	sse, err := fx["anthropic_stream"].Body()
	if err != nil {
		t.Fatal(err)
	}
	tests := []cloudCase{
		{"rawPredict", false, keyTeamA, "platform", messageText(jsonBody), fx["anthropic"].Usage},
		{"streamRawPredict", true, keyTeamB, "research", streamText(sseData(sse)), fx["anthropic_stream"].Usage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := vertexEnv(t)
			prov := vertexProvider(t, ts)
			s := startStack(t, map[string]*mock.Provider{"vertex": prov.Provider})
			rec := newRecorder()
			c := anthropicClient(s.URL, tc.key, rec)
			params := userMessage()
			params.Model = vertexModel
			msg := messages(t, c, params, tc.stream)

			s.checkProviders(t)
			checkTokenServer(t, ts)
			checkSDKMessage(t, msg, tc.text, tc.want)

			ex := onlyExchange(t, prov.Provider)
			if want := vertexPath + vertexModel + ":" + tc.name; ex.Path != want || ex.Host != vertexHost {
				t.Errorf("upstream %s %s, want %s %s", ex.Host, ex.Path, vertexHost, want)
			}
			sent, received := rec.last(t)
			if got, want := without(t, ex.Body, "anthropic_version"), without(t, sent, "model"); !bytes.Equal(got, want) {
				t.Errorf("request body changed beyond the Vertex envelope:\n client: %s\n provider: %s", sent, ex.Body)
			}
			if !bytes.Equal(received, ex.Sent) {
				t.Errorf("response body changed on the way (%d bytes sent, %d received)", len(ex.Sent), len(received))
			}
			checkBilled(t, s, tc.team, vertexModel, "vertex", tc.want)
		})
	}
}

// checkTokenServer: tollgate fetched exactly one token with a valid assertion.
func checkTokenServer(t *testing.T, ts *mock.TokenServer) {
	t.Helper()
	for _, f := range ts.Failures() {
		t.Error(f)
	}
	if n := ts.Fetches(); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
}

// TestCloudCountTokens: count_tokens reaches Bedrock as CountTokens (the InvokeModel
// body base64 in input.invokeModel.body; the answer reshaped for the Anthropic client)
// and Vertex as count-tokens:rawPredict (model in the body); neither is billed.
func TestCloudCountTokens(t *testing.T) {
	tests := []struct {
		name, model, provider string
		fixture, field        string
	}{
		{"bedrock", bedrockModel, "bedrock-tokyo", "bedrock_count_tokens.json", "inputTokens"},
		{"vertex", vertexModel, "vertex", "vertex_count_tokens.json", "input_tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var prov *mock.Provider
			var ts *mock.TokenServer
			var bed *mock.Bedrock
			if tc.provider == "vertex" {
				ts = vertexEnv(t)
				prov = vertexProvider(t, ts).Provider
			} else {
				bedrockEnv(t)
				bed = bedrockProvider(t)
				prov = bed.Provider
			}
			s := startStack(t, map[string]*mock.Provider{tc.provider: prov})
			rec := newRecorder()
			c := anthropicClient(s.URL, keyTeamA, rec)
			res, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
				Model:    tc.model,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("how many?"))},
			})
			if err != nil {
				t.Fatal(err)
			}
			s.checkProviders(t)
			if want := gjson.GetBytes(cloudFixture(t, tc.fixture), tc.field).Int(); res.InputTokens != want || want == 0 {
				t.Errorf("input_tokens %d, want the provider's %d", res.InputTokens, want)
			}
			ex := onlyExchange(t, prov)
			sent, received := rec.last(t)
			if tc.provider == "vertex" {
				checkTokenServer(t, ts)
				if ex.Path != vertexPath+"count-tokens:rawPredict" || gjson.GetBytes(ex.Body, "model").Str != vertexModel {
					t.Errorf("upstream %s with model %q", ex.Path, gjson.GetBytes(ex.Body, "model").Str)
				}
				if got := without(t, ex.Body, "anthropic_version"); !bytes.Equal(got, sent) {
					t.Errorf("request body changed beyond the Vertex envelope:\n client: %s\n provider: %s", sent, ex.Body)
				}
				if !bytes.Equal(received, ex.Sent) {
					t.Errorf("client got %s, provider sent %s", received, ex.Sent)
				}
			} else {
				if bed.Verified() != 1 {
					t.Errorf("%d signatures verified, want 1", bed.Verified())
				}
				if ex.Path != bedrockPath+"count-tokens" {
					t.Errorf("upstream path %s", ex.Path)
				}
				inner, err := base64.StdEncoding.DecodeString(gjson.GetBytes(ex.Body, "input.invokeModel.body").Str)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := without(t, inner, "anthropic_version", "max_tokens"), without(t, sent, "model"); !bytes.Equal(got, want) {
					t.Errorf("CountTokens body is not the client's:\n client: %s\n provider: %s", sent, inner)
				}
			}
			if got := tokens(t, s.GW.Registry(), "platform", tc.model, tc.provider); len(got) != 0 {
				t.Errorf("count_tokens billed tokens: %v", got)
			}
		})
	}
}
