package mock

import (
	"context"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

func anthropicClient(url string) anthropic.Client {
	return anthropic.NewClient(option.WithBaseURL(url), option.WithAPIKey(testKey), option.WithMaxRetries(0))
}

// anthropicParams are Messages requests with and without prompt caching.
func anthropicParams() map[string]anthropic.MessageNewParams {
	user := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("How far is the moon from here?"))}
	return map[string]anthropic.MessageNewParams{
		"plain": {Model: "claude-sonnet-4-5", MaxTokens: 256, Messages: user},
		"cache 5m": {Model: "claude-sonnet-4-5", MaxTokens: 256, Messages: user, System: []anthropic.TextBlockParam{{
			Text: "You are a terse astronomer who answers in one sentence.", CacheControl: anthropic.NewCacheControlEphemeralParam(),
		}}},
		"cache 1h": {Model: "claude-haiku-4-5", MaxTokens: 256, Messages: user, System: []anthropic.TextBlockParam{{
			Text:         "You are a terse astronomer who answers in one sentence.",
			CacheControl: anthropic.CacheControlEphemeralParam{TTL: anthropic.CacheControlEphemeralTTLTTL1h},
		}}},
	}
}

func sdkAnthropicUsage(u anthropic.Usage) usage.Usage {
	return usage.Usage{
		Input:        u.InputTokens,
		Output:       u.OutputTokens,
		CacheRead:    u.CacheReadInputTokens,
		CacheWrite:   u.CacheCreationInputTokens,
		CacheWrite1h: u.CacheCreation.Ephemeral1hInputTokens,
	}
}

func TestAnthropicMessages(t *testing.T) {
	for _, opts := range []Options{{Words: 7}, {Words: 12, ChunkBytes: 1}} {
		t.Run(optsName(opts), func(t *testing.T) {
			srv, rec := newServer(t, opts)
			client := anthropicClient(srv.URL)
			for name, params := range anthropicParams() {
				t.Run(name, func(t *testing.T) {
					msg, err := client.Messages.New(context.Background(), params)
					if err != nil {
						t.Fatalf("Messages.New: %v", err)
					}
					checkAnthropicMessage(t, msg, params, opts, rec.last())
				})
				t.Run(name+" streaming", func(t *testing.T) {
					stream := client.Messages.NewStreaming(context.Background(), params)
					var msg anthropic.Message
					for i := 0; stream.Next(); i++ {
						if err := msg.Accumulate(stream.Current()); err != nil {
							t.Fatalf("Accumulate event %d: %v", i, err)
						}
					}
					if err := stream.Err(); err != nil {
						t.Fatalf("stream: %v", err)
					}
					checkAnthropicMessage(t, &msg, params, opts, rec.last())
				})
			}
		})
	}
}

func checkAnthropicMessage(t *testing.T, msg *anthropic.Message, params anthropic.MessageNewParams, opts Options, body []byte) {
	t.Helper()
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text != Reply(opts) {
		t.Errorf("content = %+v, want one text block %q", msg.Content, Reply(opts))
	}
	if msg.Model != params.Model || msg.StopReason != anthropic.StopReasonEndTurn || msg.Role != "assistant" {
		t.Errorf("model, stop reason, role = %q, %q, %q", msg.Model, msg.StopReason, msg.Role)
	}
	want := ExpectedUsage(api.AnthropicMessages.String(), body, opts)
	assertUsage(t, sdkAnthropicUsage(msg.Usage), want)
	if want.Output != int64(opts.Words) {
		t.Errorf("output tokens %d, want the %d words", want.Output, opts.Words)
	}
	if cached := len(params.System) > 0; cached != (want.CacheRead > 0 && want.CacheWrite > 0) {
		t.Errorf("cache_control in request: %v, but usage %+v", cached, want)
	}
	oneHour := len(params.System) > 0 && params.System[0].CacheControl.TTL == anthropic.CacheControlEphemeralTTLTTL1h
	if oneHour != (want.CacheWrite1h == want.CacheWrite && want.CacheWrite > 0) {
		t.Errorf("1h ttl in request: %v, but usage %+v", oneHour, want)
	}
}

func TestAnthropicCountTokens(t *testing.T) {
	srv, rec := newServer(t, Options{})
	client := anthropicClient(srv.URL)
	for name, p := range anthropicParams() {
		t.Run(name, func(t *testing.T) {
			got, err := client.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
				Model:    p.Model,
				Messages: p.Messages,
				System:   anthropic.MessageCountTokensParamsSystemUnion{OfTextBlockArray: p.System},
			})
			if err != nil {
				t.Fatalf("CountTokens: %v", err)
			}
			body := rec.last()
			want := ExpectedUsage(api.AnthropicCountTokens.String(), body, Options{})
			// Count-tokens reports every input token, the cached ones included.
			msgs := ExpectedUsage(api.AnthropicMessages.String(), body, Options{})
			if got.InputTokens != want.Input || want.Input != msgs.Input+msgs.CacheRead+msgs.CacheWrite {
				t.Errorf("input_tokens = %d, want %d (= %+v summed)", got.InputTokens, want.Input, msgs)
			}
		})
	}
}
