package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
)

const codexModel = "gpt-5.2-codex" // routed by the gpt-* rule to the openai provider

// codexProvider is a fake OpenAI answering every Responses call with generated answers,
// compaction included.
func codexProvider(opts mock.Options) *mock.Provider {
	opts.Key = openaiKey
	return mock.NewProvider(mock.ProviderOptions{
		Name: "openai", Auth: mock.OpenAIAuth(openaiKey), ClientKeys: clientKeys,
		Handler: mock.New(opts, nil),
	})
}

// TestCodexWebSocketProbe: Codex's WebSocket handshake on /v1/responses is answered 426
// in OpenAI's error shape, from the request headers, with no provider involved.
func TestCodexWebSocketProbe(t *testing.T) {
	prov := codexProvider(mock.Options{})
	s := startStack(t, map[string]*mock.Provider{"openai": prov})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/responses", nil)
	req.Header.Set("Authorization", "Bearer "+keyTeamA)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct{ Type, Code, Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUpgradeRequired || body.Error.Type != "invalid_request_error" || body.Error.Code != "upgrade_required" {
		t.Errorf("%d %+v, want 426 invalid_request_error upgrade_required", res.StatusCode, body)
	}
	if n := len(prov.Exchanges()); n != 0 {
		t.Errorf("the probe reached the provider (%d requests)", n)
	}
}

// TestCodexResponses: what Codex sends over HTTP reaches OpenAI byte for byte and is
// metered: a Responses turn with store:false, include, prompt_cache_key and service_tier;
// the /responses/compact endpoint (which tollgate does not know, and routes by model);
// and compaction items in and out of /responses, whole and streamed.
func TestCodexResponses(t *testing.T) {
	opts := mock.Options{Words: 6}
	prov := codexProvider(opts)
	s := startStack(t, map[string]*mock.Provider{"openai": prov})
	rec := newRecorder()
	c := openai.NewClient(option.WithBaseURL(s.URL+"/v1/"), option.WithAPIKey(keyTeamA),
		option.WithHTTPClient(rec.client()), option.WithMaxRetries(0))
	ctx := context.Background()
	var want usage.Usage
	add := func(kind api.Kind, body []byte) {
		u := mock.ExpectedUsage(kind.String(), body, opts)
		want.Input += u.Input
		want.Output += u.Output
	}

	// A Codex turn: the fields Codex sets travel byte for byte.
	turn := responses.ResponseNewParams{
		Model:          codexModel,
		Instructions:   openai.String("You are Codex."),
		Input:          responses.ResponseNewParamsInputUnion{OfString: openai.String("fix the failing test")},
		Store:          openai.Bool(false),
		Include:        []responses.ResponseIncludable{responses.ResponseIncludableReasoningEncryptedContent},
		PromptCacheKey: openai.String("019a1b2c-3d4e-7f00-8a9b-0c1d2e3f4a5b"),
		ServiceTier:    responses.ResponseNewParamsServiceTierPriority,
	}
	stream := c.Responses.NewStreaming(ctx, turn)
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	sent, _ := rec.last(t)
	for path, v := range map[string]string{"store": "false", "include": `["reasoning.encrypted_content"]`,
		"prompt_cache_key": `"019a1b2c-3d4e-7f00-8a9b-0c1d2e3f4a5b"`, "service_tier": `"priority"`} {
		if got := gjson.GetBytes(sent, path).Raw; got != v {
			t.Fatalf("the client sent %s = %s", path, got)
		}
	}
	ex := prov.Exchanges()
	if len(ex) != 1 || !bytes.Equal(ex[0].Body, sent) {
		t.Fatalf("the turn did not reach OpenAI byte for byte:\n client: %s\n openai: %+v", sent, ex)
	}
	add(api.OpenAIResponses, sent)

	// Compaction through /responses/compact.
	cmp, err := c.Responses.Compact(ctx, responses.ResponseCompactParams{
		Model:        codexModel,
		Instructions: openai.String("You are Codex."),
		Input: responses.ResponseCompactParamsInputUnion{OfResponseInputItemArray: []responses.ResponseInputItemUnionParam{
			responses.ResponseInputItemParamOfMessage("fix the failing test", responses.EasyInputMessageRoleUser),
			responses.ResponseInputItemParamOfMessage("fixed", responses.EasyInputMessageRoleAssistant),
		}},
		PromptCacheKey: openai.String("019a1b2c-3d4e-7f00-8a9b-0c1d2e3f4a5b"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sent, received := rec.last(t)
	ex = prov.Exchanges()
	if len(ex) != 2 || ex[1].Path != "/v1/responses/compact" || !bytes.Equal(ex[1].Body, sent) || !bytes.Equal(ex[1].Sent, received) {
		t.Fatalf("compact did not pass through byte for byte: %+v", ex[len(ex)-1])
	}
	last := cmp.Output[len(cmp.Output)-1]
	if last.Type != "compaction" || last.AsCompaction().EncryptedContent == "" {
		t.Fatalf("compacted output %s", cmp.RawJSON())
	}
	add(api.OpenAIResponsesOther, sent)

	// The compaction item goes back in the next turn, which compacts again.
	next := responses.ResponseNewParams{
		Model: codexModel,
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfCompaction(last.AsCompaction().EncryptedContent),
			responses.ResponseInputItemParamOfMessage("now the docs", responses.EasyInputMessageRoleUser),
		}},
		Store:             openai.Bool(false),
		ContextManagement: []responses.ResponseNewParamsContextManagement{{Type: "compaction", CompactThreshold: openai.Int(200000)}},
	}
	r, err := c.Responses.New(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Output) != 2 || r.Output[0].Type != "compaction" {
		t.Fatalf("response output %s", r.RawJSON())
	}
	sent, _ = rec.last(t)
	add(api.OpenAIResponses, sent)
	stream = c.Responses.NewStreaming(ctx, next)
	items := 0
	for stream.Next() {
		if stream.Current().Type == "response.output_item.done" {
			items++
		}
	}
	if err := stream.Err(); err != nil || items != 2 {
		t.Fatalf("streamed %d items, %v", items, err)
	}
	sent, _ = rec.last(t)
	add(api.OpenAIResponses, sent)
	s.checkProviders(t)

	if got := tokens(t, s.GW.Registry(), "platform", codexModel, "openai"); !maps.Equal(got, wantTokens(want)) {
		t.Errorf("tollgate_tokens_total %v, want %v", got, wantTokens(want))
	}
}
