package e2e

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
	"github.com/tollgate/tollgate/pricing"
)

// Translation end to end: openai-go (Chat Completions, and Responses as Codex sends it)
// against fake Anthropic, Bedrock (event stream) and Vertex upstreams, and
// anthropic-sdk-go against fake OpenAI and Azure upstreams, through the harness and
// envoy.yaml's routes. The fakes replay llm/translate/testdata (the
// golden inputs), so the SDKs decode exactly what the goldens pin.

// translateStack is the one place these tests start a stack.
func translateStack(t *testing.T, providers map[string]*mock.Provider) *stack {
	t.Helper()
	return startStack(t, providers)
}

// translateFixture reads llm/translate/testdata/name.
func translateFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "llm", "translate", "testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sseFixture(t *testing.T, name string) *mock.Fixture {
	return &mock.Fixture{ContentType: "text/event-stream", Body: translateFixture(t, name)}
}

func jsonFixture(t *testing.T, name string, status int) *mock.Fixture {
	return &mock.Fixture{Status: status, ContentType: "application/json", Body: translateFixture(t, name)}
}

// The usage of the Anthropic answers of chat_messages/ (stream_tools.sse, body_tools.json)
// and of the OpenAI answers of messages_chat/.
var (
	claudeToolsUsage = usage.Usage{Input: 412, Output: 96, CacheRead: 8192, CacheWrite: 1024}
	gptToolsUsage    = usage.Usage{Input: 1276, Output: 180, CacheRead: 1024, Reasoning: 64}
)

// A tiny PNG, base64.
const pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// chatToolParams is a Chat request in the middle of a tool loop: an image, an assistant
// turn with two parallel tool calls, their results.
func chatToolParams(model, image string) openai.ChatCompletionNewParams {
	call := func(id, args string) openai.ChatCompletionMessageToolCallUnionParam {
		return openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
			ID: id, Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: "get_weather", Arguments: args}}}
	}
	return openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are a careful assistant."),
			openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
				openai.TextContentPart("What is in the picture, and the weather in Paris and Tōkyō?"),
				openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: image}),
			}),
			{OfAssistant: &openai.ChatCompletionAssistantMessageParam{ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{
				call("call_paris", `{"city":"Paris"}`), call("call_tokyo", `{"city":"Tōkyō"}`)}}},
			openai.ToolMessage("18°C, light rain", "call_paris"),
			openai.ToolMessage("24°C, clear", "call_tokyo"),
		},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "get_weather", Description: openai.String("Current weather for a city."),
			Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
		})},
		MaxCompletionTokens: openai.Int(1024),
	}
}

// runChatTools sends params (streamed with include_usage, or not) and returns the
// completion the SDK made of the answer.
func runChatTools(t *testing.T, c openai.Client, params openai.ChatCompletionNewParams, stream bool) (openai.ChatCompletion, error) {
	t.Helper()
	if !stream {
		r, err := c.Chat.Completions.New(context.Background(), params)
		if err != nil {
			return openai.ChatCompletion{}, err
		}
		return *r, nil
	}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	st := c.Chat.Completions.NewStreaming(context.Background(), params)
	var acc openai.ChatCompletionAccumulator
	for st.Next() {
		if !acc.AddChunk(st.Current()) {
			t.Fatalf("the SDK refused a chunk: %s", st.Current().RawJSON())
		}
	}
	return acc.ChatCompletion, st.Err()
}

// checkChatTools: the SDK read the Anthropic answer's text, both tool calls and usage.
func checkChatTools(t *testing.T, r openai.ChatCompletion, text string) {
	t.Helper()
	if len(r.Choices) != 1 {
		t.Fatalf("%d choices", len(r.Choices))
	}
	m := r.Choices[0].Message
	if m.Content != text || r.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("content %q finish %q, want %q tool_calls", m.Content, r.Choices[0].FinishReason, text)
	}
	if len(m.ToolCalls) != 2 || m.ToolCalls[0].ID != "toolu_01Paris" || m.ToolCalls[1].ID != "toolu_01Tokyo" ||
		gjson.Get(m.ToolCalls[0].Function.Arguments, "city").Str != "Paris" ||
		gjson.Get(m.ToolCalls[1].Function.Arguments, "city").Str != "Tōkyō" || m.ToolCalls[1].Function.Name != "get_weather" {
		t.Errorf("tool calls %+v", m.ToolCalls)
	}
	u, want := r.Usage, claudeToolsUsage
	if u.PromptTokens != want.Input+want.CacheRead+want.CacheWrite || u.CompletionTokens != want.Output ||
		u.PromptTokensDetails.CachedTokens != want.CacheRead {
		t.Errorf("SDK usage %+v, upstream %+v", u, want)
	}
}

// checkMessagesBody: the upstream got a Messages body made from chatToolParams.
func checkMessagesBody(t *testing.T, body []byte, stream bool) {
	t.Helper()
	checks := map[string]string{
		"system.0.text":                    "You are a careful assistant.",
		"messages.0.content.1.type":        "image",
		"messages.0.content.1.source.data": pngBase64,
		"messages.1.content.1.type":        "tool_use",
		"messages.1.content.1.id":          "call_tokyo",
		"messages.1.content.1.input.city":  "Tōkyō",
		"messages.2.content.0.type":        "tool_result",
		"messages.2.content.1.tool_use_id": "call_tokyo",
		"tools.0.input_schema.type":        "object",
		"max_tokens":                       "1024",
	}
	for path, want := range checks {
		if got := gjson.GetBytes(body, path).String(); got != want {
			t.Errorf("upstream body %s = %q, want %q", path, got, want)
		}
	}
	for _, f := range []string{"stream_options", "max_completion_tokens", "tool_choice"} {
		if gjson.GetBytes(body, f).Exists() {
			t.Errorf("upstream body has %s: %s", f, body)
		}
	}
	if !stream && gjson.GetBytes(body, "stream").Bool() {
		t.Errorf("upstream body streams: %s", body)
	}
}

// checkMetered: the upstream's usage is counted under the client's model, and its cost
// is the upstream model's price.
func checkMetered(t *testing.T, s *stack, model, provider string, q pricing.Query, want usage.Usage) {
	t.Helper()
	if got := tokens(t, s.GW.Registry(), "platform", model, provider); !maps.Equal(got, wantTokens(want)) {
		t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
	}
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _, ok := table.Resolve(q)
	if !ok {
		t.Fatalf("no built-in price for %+v", q)
	}
	wantCost, err := p.Bill(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := costUSD(t, s.GW.Registry(), "platform", model, provider); math.Abs(got-wantCost) > 1e-12 || got == 0 {
		t.Errorf("tollgate_cost_usd_total %v, want %v (the upstream model's price)", got, wantCost)
	}
}

// TestTranslateChatToClaude: openai-go's Chat Completions, streamed and not, on Claude
// at Anthropic, on Bedrock (event stream) and on Vertex AI.
func TestTranslateChatToClaude(t *testing.T) {
	streamEvents := bytes.Split(bytes.TrimSpace(translateFixture(t, "chat_messages/stream_tools.sse")), []byte("\n\n"))
	var events [][]byte
	for _, ev := range streamEvents {
		events = append(events, sseData(ev)...)
	}
	const streamText, bodyText = "Checking \"Paris\" and Tōkyō…\n", `Checking both "cities".`
	for _, tc := range []struct {
		provider, model, path string
		query                 pricing.Query
	}{
		{"anthropic", "claude-haiku-4-5", "/v1/messages",
			pricing.Query{ProviderType: "anthropic", UpstreamModel: "claude-haiku-4-5", ClientModel: "claude-haiku-4-5"}},
		{"bedrock-tokyo", bedrockModel, bedrockPath,
			pricing.Query{ProviderType: "bedrock", UpstreamModel: bedrockUpstream, ClientModel: bedrockModel}},
		{"vertex", vertexModel, vertexPath + vertexModel,
			pricing.Query{ProviderType: "vertex", UpstreamModel: vertexModel, ClientModel: vertexModel}},
	} {
		for _, stream := range []bool{false, true} {
			name := tc.provider
			if stream {
				name += " streamed"
			}
			t.Run(name, func(t *testing.T) {
				var prov *mock.Provider
				var bedrock *mock.Bedrock
				switch tc.provider {
				case "anthropic":
					prov = mock.NewProvider(mock.ProviderOptions{Name: "anthropic", Auth: mock.AnthropicAuth(anthropicKey), ClientKeys: clientKeys,
						Routes: map[string]mock.Route{"/v1/messages": {JSON: jsonFixture(t, "chat_messages/body_tools.json", 0),
							Stream: sseFixture(t, "chat_messages/stream_tools.sse")}}})
				case "bedrock-tokyo":
					bedrockEnv(t)
					es, err := mock.BedrockStream(events)
					if err != nil {
						t.Fatal(err)
					}
					bedrock = mock.NewBedrock(mock.BedrockOptions{Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1",
						Credentials: awsCreds, Models: []string{bedrockUpstream}, ClientKeys: clientKeys,
						Invoke: jsonFixture(t, "chat_messages/body_tools.json", 0),
						Stream: &mock.Fixture{ContentType: mock.BedrockEventStreamType, Body: es}})
					prov = bedrock.Provider
				case "vertex":
					ts := vertexEnv(t)
					prov = mock.NewVertex(mock.VertexOptions{Name: "vertex", Host: vertexHost, Project: vertexProject, Region: "global",
						Models: []string{vertexModel}, Tokens: ts, ClientKeys: clientKeys,
						RawPredict:       jsonFixture(t, "chat_messages/body_tools.json", 0),
						StreamRawPredict: sseFixture(t, "chat_messages/stream_tools.sse")}).Provider
				}
				s := translateStack(t, map[string]*mock.Provider{tc.provider: prov})
				rec := newRecorder()
				r, err := runChatTools(t, openAIClient(s.URL, keyTeamA, rec), chatToolParams(tc.model, "data:image/png;base64,"+pngBase64), stream)
				if err != nil {
					t.Fatal(err)
				}
				s.checkProviders(t)
				text := bodyText
				if stream {
					text = streamText
				}
				checkChatTools(t, r, text)
				ex := onlyExchange(t, prov)
				if !strings.HasPrefix(ex.Path, tc.path) {
					t.Errorf("upstream path %s, want %s…", ex.Path, tc.path)
				}
				if bedrock != nil && bedrock.Verified() != 1 {
					t.Errorf("%d Bedrock signatures verified, want 1", bedrock.Verified())
				}
				checkMessagesBody(t, ex.Body, stream)
				checkMetered(t, s, tc.model, tc.provider, tc.query, claudeToolsUsage)
				checkAccessLog(t, s, "platform", tc.model, tc.provider, claudeToolsUsage)
			})
		}
	}
}

// messagesToolParams is a Messages request in the middle of a tool loop: an image, two
// parallel tool_use blocks, their results.
func messagesToolParams(model string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model: anthropic.Model(model), MaxTokens: 2048,
		System: []anthropic.TextBlockParam{{Text: "You are a coding agent."}},
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("Why does the test fail?"), anthropic.NewImageBlockBase64("image/png", pngBase64)),
			anthropic.NewAssistantMessage(
				anthropic.NewToolUseBlock("toolu_1", map[string]any{"file_path": "/repo/a_test.go"}, "Read"),
				anthropic.NewToolUseBlock("toolu_2", map[string]any{"file_path": "/repo/a.go"}, "Read")),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "package a", false),
				anthropic.NewToolResultBlock("toolu_2", "package a // impl", false)),
		},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "Read", Description: anthropic.String("Reads a file."),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"file_path": map[string]any{"type": "string"}}, Required: []string{"file_path"}}}}},
	}
}

// TestTranslateMessagesToGPT: anthropic-sdk-go's Messages, streamed and not, on GPT at
// OpenAI and Azure OpenAI.
func TestTranslateMessagesToGPT(t *testing.T) {
	for _, tc := range []struct{ provider, model, path, upstream string }{
		{"openai", "gpt-5.1", "/v1/chat/completions", "gpt-5.1"},
		{"azure-east", "gpt-5.1-azure", "/openai/deployments/gpt-51-prod/chat/completions", "gpt-51-prod"},
	} {
		for _, stream := range []bool{false, true} {
			name := tc.provider
			if stream {
				name += " streamed"
			}
			t.Run(name, func(t *testing.T) {
				auth := mock.OpenAIAuth(openaiKey)
				if tc.provider == "azure-east" {
					auth = mock.AzureAuth(azureKey)
				}
				prov := mock.NewProvider(mock.ProviderOptions{Name: tc.provider, Auth: auth, ClientKeys: clientKeys,
					Routes: map[string]mock.Route{tc.path: {JSON: jsonFixture(t, "messages_chat/body_tools.json", 0),
						Stream: sseFixture(t, "messages_chat/stream_tools.sse")}}})
				s := translateStack(t, map[string]*mock.Provider{tc.provider: prov})
				rec := newRecorder()
				c := anthropicClient(s.URL, keyTeamA, rec)
				msg := messages(t, c, messagesToolParams(tc.model), stream)
				s.checkProviders(t)

				if len(msg.Content) != 3 || msg.Content[0].Text != `I'll read both "files".` ||
					msg.Content[1].Type != "tool_use" || msg.Content[1].ID != "call_Read1" || msg.Content[2].ID != "call_Read2" ||
					gjson.GetBytes(msg.Content[2].Input, "file_path").Str != "/repo/a.go" || msg.StopReason != "tool_use" {
					t.Errorf("SDK message %s", msg.RawJSON())
				}
				u := msg.Usage
				if u.InputTokens != gptToolsUsage.Input || u.CacheReadInputTokens != gptToolsUsage.CacheRead || u.OutputTokens != gptToolsUsage.Output {
					t.Errorf("SDK usage %+v, upstream %+v", u, gptToolsUsage)
				}
				ex := onlyExchange(t, prov)
				if ex.Path != tc.path || ex.Header.Get("anthropic-version") != "" {
					t.Errorf("upstream %s, anthropic-version %q", ex.Path, ex.Header.Get("anthropic-version"))
				}
				for path, want := range map[string]string{
					"model": tc.upstream, "messages.0.role": "system", "messages.1.content.1.type": "image_url",
					"messages.1.content.1.image_url.url": "data:image/png;base64," + pngBase64,
					"messages.2.tool_calls.1.id":         "toolu_2", "messages.3.role": "tool", "messages.4.tool_call_id": "toolu_2",
					"tools.0.function.name": "Read", "max_completion_tokens": "2048",
					"stream_options.include_usage": map[bool]string{true: "true", false: ""}[stream],
				} {
					if got := gjson.GetBytes(ex.Body, path).String(); got != want {
						t.Errorf("upstream body %s = %q, want %q", path, got, want)
					}
				}
				checkMetered(t, s, tc.model, tc.provider,
					pricing.Query{ProviderType: map[string]string{"openai": "openai", "azure-east": "azure_openai"}[tc.provider],
						UpstreamModel: tc.upstream, ClientModel: tc.model, PricingModel: map[string]string{"azure-east": "gpt-5.1"}[tc.provider]},
					gptToolsUsage)
			})
		}
	}
}

// TestTranslateErrors: errors reach each SDK in its own shape with the upstream's status,
// a request that cannot be translated is refused before any upstream sees it, and a
// stream cut by an error ends with the SDK's error, its usage so far counted.
func TestTranslateErrors(t *testing.T) {
	anthropicWith := func(r mock.Route) *mock.Provider {
		return mock.NewProvider(mock.ProviderOptions{Name: "anthropic", Auth: mock.AnthropicAuth(anthropicKey), ClientKeys: clientKeys,
			Routes: map[string]mock.Route{"/v1/messages": r}})
	}
	openAIWith := func(r mock.Route) *mock.Provider {
		return mock.NewProvider(mock.ProviderOptions{Name: "openai", Auth: mock.OpenAIAuth(openaiKey), ClientKeys: clientKeys,
			Routes: map[string]mock.Route{"/v1/chat/completions": r}})
	}
	image := "data:image/png;base64," + pngBase64

	t.Run("anthropic 429 to openai-go", func(t *testing.T) {
		errFx := jsonFixture(t, "chat_messages/error.json", 429)
		prov := anthropicWith(mock.Route{JSON: errFx, Stream: errFx})
		s := translateStack(t, map[string]*mock.Provider{"anthropic": prov})
		_, err := runChatTools(t, openAIClient(s.URL, keyTeamA, newRecorder()), chatToolParams("claude-haiku-4-5", image), true)
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 429 || !strings.Contains(oe.Message, "rate limit") {
			t.Fatalf("error %v, want the upstream's 429 in OpenAI's shape", err)
		}
	})
	t.Run("openai 400 to anthropic-sdk-go", func(t *testing.T) {
		errFx := jsonFixture(t, "messages_chat/error.json", 400)
		prov := openAIWith(mock.Route{JSON: errFx, Stream: errFx})
		s := translateStack(t, map[string]*mock.Provider{"openai": prov})
		c := anthropicClient(s.URL, keyTeamA, newRecorder())
		_, err := c.Messages.New(context.Background(), messagesToolParams("gpt-5.1"))
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Error(), "maximum context length") ||
			gjson.Get(ae.RawJSON(), "error.type").Str != "invalid_request_error" {
			t.Fatalf("error %v, want the upstream's 400 in Anthropic's shape", err)
		}
	})
	t.Run("image by URL to Bedrock", func(t *testing.T) {
		bedrockEnv(t)
		prov := mock.NewBedrock(mock.BedrockOptions{Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1",
			Credentials: awsCreds, Models: []string{bedrockUpstream}, ClientKeys: clientKeys})
		s := translateStack(t, map[string]*mock.Provider{"bedrock-tokyo": prov.Provider})
		_, err := runChatTools(t, openAIClient(s.URL, keyTeamA, newRecorder()), chatToolParams(bedrockModel, "https://example.com/a.png"), false)
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 400 || !strings.Contains(oe.Message, "does not accept images by URL") {
			t.Fatalf("error %v, want a 400 naming the image URL", err)
		}
		if n := len(prov.Exchanges()); n != 0 {
			t.Errorf("Bedrock got %d requests", n)
		}
	})
	t.Run("tool result for an unknown call", func(t *testing.T) {
		prov := anthropicWith(mock.Route{})
		s := translateStack(t, map[string]*mock.Provider{"anthropic": prov})
		p := chatToolParams("claude-haiku-4-5", image)
		p.Messages = append(p.Messages, openai.ToolMessage("stale", "call_nowhere"))
		_, err := runChatTools(t, openAIClient(s.URL, keyTeamA, newRecorder()), p, false)
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 400 || !strings.Contains(oe.Message, `"call_nowhere"`) {
			t.Fatalf("error %v, want a 400 naming the call id", err)
		}
		if n := len(prov.Exchanges()); n != 0 {
			t.Errorf("the provider got %d requests", n)
		}
	})
	t.Run("anthropic stream cut by an error", func(t *testing.T) {
		prov := anthropicWith(mock.Route{Stream: sseFixture(t, "chat_messages/stream_error.sse")})
		s := translateStack(t, map[string]*mock.Provider{"anthropic": prov})
		r, err := runChatTools(t, openAIClient(s.URL, keyTeamA, newRecorder()), chatToolParams("claude-haiku-4-5", image), true)
		if err == nil || !strings.Contains(err.Error(), "Overloaded") {
			t.Fatalf("stream error %v, want the upstream's Overloaded", err)
		}
		if len(r.Choices) != 1 || r.Choices[0].Message.Content != "Partial answer" {
			t.Errorf("the SDK got %+v before the error", r.Choices)
		}
		if got, want := tokens(t, s.GW.Registry(), "platform", "claude-haiku-4-5", "anthropic"), wantTokens(usage.Usage{Input: 25, Output: 1}); !maps.Equal(got, want) {
			t.Errorf("tollgate_tokens_total %v, want the usage seen before the error %v", got, want)
		}
	})
	t.Run("openai stream cut by an error", func(t *testing.T) {
		prov := openAIWith(mock.Route{Stream: sseFixture(t, "messages_chat/stream_error.sse")})
		s := translateStack(t, map[string]*mock.Provider{"openai": prov})
		c := anthropicClient(s.URL, keyTeamA, newRecorder())
		st := c.Messages.NewStreaming(context.Background(), messagesToolParams("gpt-5.1"))
		var msg anthropic.Message
		for st.Next() {
			if err := msg.Accumulate(st.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Err(); err == nil || !strings.Contains(err.Error(), "server had an error") {
			t.Fatalf("stream error %v, want the upstream's", err)
		}
		if len(msg.Content) != 1 || msg.Content[0].Text != "Part" {
			t.Errorf("the SDK got %s before the error", msg.RawJSON())
		}
	})
}

// codexParams is a Responses request the way Codex sends one, in the middle of a tool
// loop: instructions, a user message, a shell call and its output; a shell function tool
// and an apply_patch custom tool.
func codexParams(model string) responses.ResponseNewParams {
	output := responses.ResponseInputItemParamOfFunctionCallOutput("go.mod\nmain.go\n")
	output.OfFunctionCallOutput.CallID = openai.String("toolu_01Shell")
	return responses.ResponseNewParams{
		Model:        model,
		Instructions: openai.String("You are Codex, a coding agent."),
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfMessage("Fix the nil map panic.", responses.EasyInputMessageRoleUser),
			responses.ResponseInputItemParamOfFunctionCall(`{"command":["ls"]}`, "toolu_01Shell", "shell"),
			output,
		}},
		Tools: []responses.ToolUnionParam{
			responses.ToolParamOfFunction("shell", map[string]any{"type": "object", "properties": map[string]any{
				"command": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}, false),
			responses.ToolParamOfCustom("apply_patch"),
		},
		Reasoning: shared.ReasoningParam{Effort: shared.ReasoningEffortLow},
		Store:     openai.Bool(false),
		Include:   []responses.ResponseIncludable{responses.ResponseIncludableReasoningEncryptedContent},
	}
}

// TestTranslateResponsesToClaude: openai-go's Responses API (Codex's), streamed and not,
// on Claude at Anthropic: output items, tool calls of both kinds, usage; the upstream got
// a Messages body.
func TestTranslateResponsesToClaude(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := "whole"
		if stream {
			name = "streamed"
		}
		t.Run(name, func(t *testing.T) {
			prov := mock.NewProvider(mock.ProviderOptions{Name: "anthropic", Auth: mock.AnthropicAuth(anthropicKey), ClientKeys: clientKeys,
				Routes: map[string]mock.Route{"/v1/messages": {JSON: jsonFixture(t, "responses_messages/body_tools.json", 0),
					Stream: sseFixture(t, "responses_messages/stream_tools.sse")}}})
			s := translateStack(t, map[string]*mock.Provider{"anthropic": prov})
			c := openAIClient(s.URL, keyTeamA, newRecorder())
			var r responses.Response
			var deltas strings.Builder
			if stream {
				st := c.Responses.NewStreaming(context.Background(), codexParams("claude-haiku-4-5"))
				for st.Next() {
					ev := st.Current()
					switch ev.Type {
					case "response.output_text.delta":
						deltas.WriteString(ev.Delta)
					case "response.completed":
						r = ev.Response
					}
				}
				if err := st.Err(); err != nil {
					t.Fatal(err)
				}
			} else {
				resp, err := c.Responses.New(context.Background(), codexParams("claude-haiku-4-5"))
				if err != nil {
					t.Fatal(err)
				}
				r = *resp
			}
			s.checkProviders(t)
			var types []string
			for _, it := range r.Output {
				types = append(types, it.Type)
			}
			if strings.Join(types, ",") != "reasoning,message,function_call,custom_tool_call" || r.Status != "completed" {
				t.Fatalf("output items %v, status %q: %s", types, r.Status, r.RawJSON())
			}
			fc, ctc := r.Output[2].RawJSON(), r.Output[3].RawJSON()
			if gjson.Get(fc, "name").Str != "shell" || gjson.Get(gjson.Get(fc, "arguments").Str, "command.2").Str != "go test ./..." ||
				gjson.Get(ctc, "name").Str != "apply_patch" || !strings.HasPrefix(gjson.Get(ctc, "input").Str, "*** Begin Patch\n") {
				t.Errorf("tool calls %s %s", fc, ctc)
			}
			if !strings.HasPrefix(gjson.Get(r.Output[0].RawJSON(), "encrypted_content").Str, "tollgate.claude-thinking.v1:") {
				t.Errorf("reasoning item %s", r.Output[0].RawJSON())
			}
			want := usage.Usage{Input: 2210, CacheRead: 6144, Output: 187}
			text := "Running the tests, then one more edit.\n"
			if !stream {
				want, text = usage.Usage{Input: 2210, CacheRead: 6144, CacheWrite: 512, Output: 120}, `Running "go test".`
			}
			if r.OutputText() != text || (stream && deltas.String() != text) {
				t.Errorf("text %q (deltas %q), want %q", r.OutputText(), deltas.String(), text)
			}
			if u := r.Usage; u.InputTokens != want.Input+want.CacheRead+want.CacheWrite || u.InputTokensDetails.CachedTokens != want.CacheRead || u.OutputTokens != want.Output {
				t.Errorf("SDK usage %+v, upstream %+v", u, want)
			}
			ex := onlyExchange(t, prov)
			for path, want := range map[string]string{
				"system.0.text": "You are Codex, a coding agent.", "messages.1.content.0.name": "shell",
				"messages.2.content.0.type": "tool_result", "tools.1.name": "apply_patch",
				"tools.1.input_schema.properties.input.type": "string",
				// The shell call came without Claude's thinking block (Codex had it from
				// no one): thinking stays off for this request, as Messages require.
				"thinking": "",
			} {
				if got := gjson.GetBytes(ex.Body, path).String(); got != want {
					t.Errorf("upstream body %s = %q, want %q", path, got, want)
				}
			}
			if ex.Path != "/v1/messages" {
				t.Errorf("upstream path %s", ex.Path)
			}
			checkMetered(t, s, "claude-haiku-4-5", "anthropic",
				pricing.Query{ProviderType: "anthropic", UpstreamModel: "claude-haiku-4-5", ClientModel: "claude-haiku-4-5"}, want)
			if n := counter(t, s.GW.Registry(), "tollgate_translation_dropped_fields_total",
				map[string]string{"from": "openai_responses", "to": "anthropic_messages", "field": "reasoning"}); n != 1 {
				t.Errorf("tollgate_translation_dropped_fields_total{field=reasoning} = %v, want 1", n)
			}
		})
	}
}

// counter reads one series of a counter.
func counter(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
