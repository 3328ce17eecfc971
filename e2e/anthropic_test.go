package e2e

import (
	"bytes"
	"context"
	"maps"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/tollgate/tollgate/mock"
)

const claudeModel = "claude-sonnet-4-5-20250929"

func anthropicProvider(t *testing.T) *mock.Provider {
	fx := fixtures(t)
	return mock.NewProvider(mock.ProviderOptions{
		Name: "anthropic", Auth: mock.AnthropicAuth(anthropicKey), ClientKeys: clientKeys,
		Routes: map[string]mock.Route{
			"/v1/messages": {JSON: replay(t, fx["anthropic"]), Stream: replay(t, fx["anthropic_stream"])},
			"/v1/messages/count_tokens": {JSON: &mock.Fixture{ContentType: "application/json",
				Body: []byte(`{"input_tokens":4242}`)}},
		},
	})
}

func anthropicClient(base, key string, rec *recorder) anthropic.Client {
	return anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(base),
		option.WithAPIKey(key), option.WithHTTPClient(rec.client()), option.WithMaxRetries(0))
}

func userMessage() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model: claudeModel, MaxTokens: 1024,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("fix the failing test"))},
	}
}

// TestAnthropicMessages: Messages with and without streaming, through envoy.yaml's
// routes to the anthropic cluster. The SDK parses what the provider sent, byte for byte,
// and the metrics equal the fixture's usage.
func TestAnthropicMessages(t *testing.T) {
	fx := fixtures(t)
	tests := []struct {
		name    string
		stream  bool
		key     string
		team    string
		fixture string
	}{
		{"not streamed", false, keyTeamA, "platform", "anthropic"},
		{"streamed", true, keyTeamB, "research", "anthropic_stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prov := anthropicProvider(t)
			s := startStack(t, map[string]*mock.Provider{"anthropic": prov})
			rec := newRecorder()
			c := anthropicClient(s.URL, tc.key, rec)
			want := fx[tc.fixture].Usage

			msg := messages(t, c, userMessage(), tc.stream)
			s.checkProviders(t)

			// The SDK's view: model, content and usage as the provider reported them.
			if msg.Model != claudeModel || len(msg.Content) == 0 {
				t.Fatalf("message model %q with %d blocks", msg.Model, len(msg.Content))
			}
			if got := msg.Usage.InputTokens + msg.Usage.CacheReadInputTokens + msg.Usage.CacheCreationInputTokens; got != want.Input+want.CacheRead+want.CacheWrite {
				t.Errorf("SDK usage: %d prompt tokens, fixture %d", got, want.Input+want.CacheRead+want.CacheWrite)
			}
			if msg.Usage.OutputTokens != want.Output {
				t.Errorf("SDK usage: %d output tokens, fixture %d", msg.Usage.OutputTokens, want.Output)
			}

			// Byte for byte: what the client sent reached the provider unchanged (the
			// model needs no rewrite), and what the provider sent reached the client.
			ex := prov.Exchanges()
			if len(ex) != 1 {
				t.Fatalf("provider got %d requests", len(ex))
			}
			sent, received := rec.last(t)
			if !bytes.Equal(ex[0].Body, sent) {
				t.Errorf("request body changed on the way:\n client: %s\n provider: %s", sent, ex[0].Body)
			}
			if !bytes.Equal(ex[0].Sent, received) {
				t.Errorf("response body changed on the way (%d bytes sent, %d received)", len(ex[0].Sent), len(received))
			}
			if ex[0].Host != "api.anthropic.com" {
				t.Errorf("upstream Host %q, want the route's host_rewrite_literal", ex[0].Host)
			}
			if ex[0].Header.Get("x-tollgate-provider") != "" {
				t.Error("x-tollgate-provider reached the provider (request_headers_to_remove)")
			}

			if got := tokens(t, s.GW.Registry(), tc.team, claudeModel, "anthropic"); !maps.Equal(got, wantTokens(want)) {
				t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
			}
			checkAccessLog(t, s, tc.team, claudeModel, "anthropic", want)
		})
	}
}

// TestAnthropicCountTokens: count_tokens passes through and is not billed.
func TestAnthropicCountTokens(t *testing.T) {
	prov := anthropicProvider(t)
	s := startStack(t, map[string]*mock.Provider{"anthropic": prov})
	rec := newRecorder()
	c := anthropicClient(s.URL, keyTeamA, rec)
	res, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
		Model:    claudeModel,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("how many?"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.checkProviders(t)
	if res.InputTokens != 4242 {
		t.Errorf("input_tokens %d", res.InputTokens)
	}
	sent, received := rec.last(t)
	ex := prov.Exchanges()
	if len(ex) != 1 || ex[0].Path != "/v1/messages/count_tokens" || !bytes.Equal(ex[0].Body, sent) || !bytes.Equal(ex[0].Sent, received) {
		t.Errorf("count_tokens did not pass through byte for byte: %+v", ex)
	}
	if got := tokens(t, s.GW.Registry(), "platform", claudeModel, "anthropic"); len(got) != 0 {
		t.Errorf("count_tokens billed tokens: %v", got)
	}
}
