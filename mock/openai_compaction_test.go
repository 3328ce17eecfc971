package mock

import (
	"context"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"

	"github.com/tollgate/tollgate/llm/api"
)

// TestOpenAICompaction: openai-go's Responses.Compact parses the mock's compacted
// response (the user messages, then one compaction item, with usage), and a Responses
// request whose context_management asks for compaction gets a compaction item before its
// message, whole or streamed; compaction items sent back as input are accepted.
func TestOpenAICompaction(t *testing.T) {
	opts := Options{Words: 4, ChunkBytes: 5}
	srv, rec := newServer(t, opts)
	client := openAIClient(srv.URL)
	ctx := context.Background()

	c, err := client.Responses.Compact(ctx, responses.ResponseCompactParams{
		Model:        "gpt-5.2-codex",
		Instructions: openai.String("Summarise the session."),
		Input: responses.ResponseCompactParamsInputUnion{OfResponseInputItemArray: []responses.ResponseInputItemUnionParam{
			responses.ResponseInputItemParamOfMessage("fix the build", responses.EasyInputMessageRoleUser),
			responses.ResponseInputItemParamOfMessage("done", responses.EasyInputMessageRoleAssistant),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Object != "response.compaction" || len(c.Output) != 2 || c.Output[0].Type != "message" || c.Output[1].Type != "compaction" ||
		c.Output[1].AsCompaction().EncryptedContent == "" {
		t.Fatalf("compacted response %s", c.RawJSON())
	}
	assertUsage(t, sdkResponsesUsage(c.Usage), ExpectedUsage(api.OpenAIResponsesOther.String(), rec.last(), opts))

	params := responses.ResponseNewParams{
		Model: "gpt-5.2-codex",
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfCompaction(c.Output[1].AsCompaction().EncryptedContent),
			responses.ResponseInputItemParamOfMessage("go on", responses.EasyInputMessageRoleUser),
		}},
		ContextManagement: []responses.ResponseNewParamsContextManagement{{Type: "compaction", CompactThreshold: openai.Int(1000)}},
	}
	r, err := client.Responses.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Output) != 2 || r.Output[0].Type != "compaction" || r.OutputText() != Reply(opts) {
		t.Fatalf("response %s", r.RawJSON())
	}
	assertUsage(t, sdkResponsesUsage(r.Usage), ExpectedUsage(api.OpenAIResponses.String(), rec.last(), opts))

	stream := client.Responses.NewStreaming(ctx, params)
	var items []string
	var done *responses.Response
	for stream.Next() {
		switch ev := stream.Current(); ev.Type {
		case "response.output_item.done":
			items = append(items, ev.AsResponseOutputItemDone().Item.Type)
		case "response.completed":
			r := ev.AsResponseCompleted().Response
			done = &r
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0] != "compaction" || items[1] != "message" || done == nil || done.OutputText() != Reply(opts) {
		t.Fatalf("streamed items %q, completed %v", items, done != nil)
	}
	assertUsage(t, sdkResponsesUsage(done.Usage), ExpectedUsage(api.OpenAIResponses.String(), rec.last(), opts))
}
