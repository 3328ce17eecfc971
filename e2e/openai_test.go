package e2e

import (
	"bytes"
	"context"
	"maps"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/mock"
)

// openAIProviders are fake openai and azure-east clusters serving the same recordings.
func openAIProviders(t *testing.T) map[string]*mock.Provider {
	fx := fixtures(t)
	chat := mock.Route{JSON: replay(t, fx["openai_chat"]), Stream: replay(t, fx["openai_chat_stream"])}
	resp := mock.Route{JSON: replay(t, fx["openai_responses"]), Stream: replay(t, fx["openai_responses_stream"])}
	return map[string]*mock.Provider{
		"openai": mock.NewProvider(mock.ProviderOptions{
			Name: "openai", Auth: mock.OpenAIAuth(openaiKey), ClientKeys: clientKeys,
			Routes: map[string]mock.Route{"/v1/chat/completions": chat, "/v1/responses": resp},
		}),
		"azure-east": mock.NewProvider(mock.ProviderOptions{
			Name: "azure-east", Auth: mock.AzureAuth(azureKey), ClientKeys: clientKeys,
			Routes: map[string]mock.Route{
				"/openai/deployments/gpt-51-prod/chat/completions": chat,
				"/openai/responses": resp,
			},
		}),
	}
}

func openAIClient(base, key string, rec *recorder) openai.Client {
	return openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key),
		option.WithHTTPClient(rec.client()), option.WithMaxRetries(0))
}

// openAICase is one SDK call against one provider.
type openAICase struct {
	name     string
	model    string // the client's model
	provider string // tollgate provider = Envoy cluster
	path     string // upstream path (without query)
	upstream string // the model the provider must see
	api      string // chat or responses
	stream   bool
	fixture  string
}

// TestOpenAI drives openai-go (Chat streaming and not, Responses streaming and not) to
// the openai and azure_openai providers.
func TestOpenAI(t *testing.T) {
	fx := fixtures(t)
	var cases []openAICase
	for _, p := range []struct{ provider, model, upstream, chatPath, respPath string }{
		{"openai", "gpt-5.1", "gpt-5.1", "/v1/chat/completions", "/v1/responses"},
		{"azure-east", "gpt-5.1-azure", "gpt-51-prod", "/openai/deployments/gpt-51-prod/chat/completions", "/openai/responses"},
	} {
		cases = append(cases,
			openAICase{p.provider + " chat", p.model, p.provider, p.chatPath, p.upstream, "chat", false, "openai_chat"},
			openAICase{p.provider + " chat streamed", p.model, p.provider, p.chatPath, p.upstream, "chat", true, "openai_chat_stream"},
			openAICase{p.provider + " responses", p.model, p.provider, p.respPath, p.upstream, "responses", false, "openai_responses"},
			openAICase{p.provider + " responses streamed", p.model, p.provider, p.respPath, p.upstream, "responses", true, "openai_responses_stream"},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			provs := openAIProviders(t)
			s := startStack(t, provs)
			rec := newRecorder()
			c := openAIClient(s.URL, keyTeamA, rec)
			want := fx[tc.fixture].Usage

			var prompt, output int64
			var text string
			if tc.api == "chat" {
				prompt, output, text = runChat(t, c, tc)
			} else {
				prompt, output, text = runResponses(t, c, tc)
			}
			s.checkProviders(t)
			if text == "" {
				t.Error("the SDK parsed no text")
			}
			if prompt != want.Input+want.CacheRead+want.CacheWrite || output != want.Output {
				t.Errorf("SDK usage prompt=%d output=%d, fixture prompt=%d output=%d",
					prompt, output, want.Input+want.CacheRead+want.CacheWrite, want.Output)
			}

			ex := provs[tc.provider].Exchanges()
			if len(ex) != 1 {
				t.Fatalf("provider %s got %d requests", tc.provider, len(ex))
			}
			if ex[0].Path != tc.path {
				t.Errorf("upstream path %q, want %q", ex[0].Path, tc.path)
			}
			sent, received := rec.last(t)
			// The request body arrives as sent, except for the edits tollgate owns:
			// include_usage for a streamed chat, and the upstream model.
			wantBody := sent
			if tc.api == "chat" && tc.stream && !gjson.GetBytes(sent, "stream_options.include_usage").Bool() {
				wantBody, _ = sjson.SetBytes(wantBody, "stream_options.include_usage", true)
			}
			if tc.upstream != tc.model {
				wantBody, _ = sjson.SetBytes(wantBody, "model", tc.upstream)
			}
			if !bytes.Equal(ex[0].Body, wantBody) {
				t.Errorf("request body:\n got  %s\n want %s", ex[0].Body, wantBody)
			}
			if !bytes.Equal(ex[0].Sent, received) {
				t.Errorf("response body changed on the way (%d bytes sent, %d received)", len(ex[0].Sent), len(received))
			}
			if got := tokens(t, s.GW.Registry(), "platform", tc.model, tc.provider); !maps.Equal(got, wantTokens(want)) {
				t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
			}
			checkAccessLog(t, s, "platform", tc.model, tc.provider, want)
		})
	}
}

func runChat(t *testing.T, c openai.Client, tc openAICase) (prompt, output int64, text string) {
	t.Helper()
	params := openai.ChatCompletionNewParams{
		Model:    tc.model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("how do I report every bad flag?")},
	}
	if !tc.stream {
		r, err := c.Chat.Completions.New(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		return r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Choices[0].Message.Content
	}
	st := c.Chat.Completions.NewStreaming(context.Background(), params)
	var acc openai.ChatCompletionAccumulator
	for st.Next() {
		acc.AddChunk(st.Current())
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Choices) == 0 {
		t.Fatal("no choices accumulated")
	}
	return acc.Usage.PromptTokens, acc.Usage.CompletionTokens, acc.Choices[0].Message.Content
}

func runResponses(t *testing.T, c openai.Client, tc openAICase) (prompt, output int64, text string) {
	t.Helper()
	params := responses.ResponseNewParams{
		Model: tc.model,
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("explain the race")},
	}
	if !tc.stream {
		r, err := c.Responses.New(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		return r.Usage.InputTokens, r.Usage.OutputTokens, r.OutputText()
	}
	st := c.Responses.NewStreaming(context.Background(), params)
	var completed *responses.Response
	for st.Next() {
		ev := st.Current()
		if ev.Type == "response.output_text.delta" {
			text += ev.Delta
		}
		if ev.Type == "response.completed" {
			r := ev.Response
			completed = &r
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if completed == nil {
		t.Fatal("no response.completed event")
	}
	return completed.Usage.InputTokens, completed.Usage.OutputTokens, text
}
