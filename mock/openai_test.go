package mock

import (
	"context"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

func openAIClient(url string) openai.Client {
	return openai.NewClient(option.WithBaseURL(url+"/v1/"), option.WithAPIKey(testKey), option.WithMaxRetries(0))
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: "gpt-5.1",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are a terse astronomer."),
			openai.UserMessage("How far is the moon from here?"),
		},
	}
}

func sdkChatUsage(u openai.CompletionUsage) usage.Usage {
	return usage.Usage{
		Input:     u.PromptTokens - u.PromptTokensDetails.CachedTokens,
		CacheRead: u.PromptTokensDetails.CachedTokens,
		Output:    u.CompletionTokens,
		Reasoning: u.CompletionTokensDetails.ReasoningTokens,
	}
}

var chunkingOptions = []Options{{Words: 9}, {Words: 4, ChunkBytes: 1}, {Words: 13, ChunkBytes: 7}}

func TestOpenAIChat(t *testing.T) {
	for _, opts := range chunkingOptions {
		t.Run(optsName(opts), func(t *testing.T) {
			srv, rec := newServer(t, opts)
			client := openAIClient(srv.URL)
			t.Run("non-streaming", func(t *testing.T) {
				c, err := client.Chat.Completions.New(context.Background(), chatParams())
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if len(c.Choices) != 1 || c.Choices[0].Message.Content != Reply(opts) || c.Choices[0].FinishReason != "stop" {
					t.Errorf("choices = %+v, want one stopped choice %q", c.Choices, Reply(opts))
				}
				if c.Model != "gpt-5.1" || c.Object != "chat.completion" {
					t.Errorf("model, object = %q, %q", c.Model, c.Object)
				}
				assertUsage(t, sdkChatUsage(c.Usage), ExpectedUsage(api.OpenAIChat.String(), rec.last(), opts))
				if c.Usage.TotalTokens != c.Usage.PromptTokens+c.Usage.CompletionTokens {
					t.Errorf("total_tokens %d is not prompt + completion in %+v", c.Usage.TotalTokens, c.Usage)
				}
			})
			for _, include := range []bool{true, false} {
				t.Run("streaming include_usage="+map[bool]string{true: "true", false: "false"}[include], func(t *testing.T) {
					p := chatParams()
					if include {
						p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
					}
					stream := client.Chat.Completions.NewStreaming(context.Background(), p)
					var acc openai.ChatCompletionAccumulator
					usageChunks := 0
					for i := 0; stream.Next(); i++ {
						chunk := stream.Current()
						if !acc.AddChunk(chunk) {
							t.Fatalf("chunk %d not accumulated: %s", i, chunk.RawJSON())
						}
						if u := gjson.Get(chunk.RawJSON(), "usage"); u.IsObject() {
							usageChunks++
							if n := len(chunk.Choices); n != 0 {
								t.Errorf("usage chunk has %d choices", n)
							}
						} else if u.Exists() != include {
							t.Errorf("chunk %d: usage field present = %v with include_usage %v", i, u.Exists(), include)
						}
					}
					if err := stream.Err(); err != nil {
						t.Fatalf("stream: %v", err)
					}
					if len(acc.Choices) != 1 || acc.Choices[0].Message.Content != Reply(opts) {
						t.Errorf("accumulated choices = %+v, want %q", acc.Choices, Reply(opts))
					}
					if !include {
						if usageChunks != 0 || acc.Usage.TotalTokens != 0 {
							t.Errorf("usage streamed without include_usage: %d chunks, %+v", usageChunks, acc.Usage)
						}
						return
					}
					if usageChunks != 1 {
						t.Errorf("%d usage chunks, want 1", usageChunks)
					}
					assertUsage(t, sdkChatUsage(acc.Usage), ExpectedUsage(api.OpenAIChat.String(), rec.last(), opts))
				})
			}
		})
	}
}

func responsesParams() responses.ResponseNewParams {
	return responses.ResponseNewParams{
		Model:        "gpt-5.1",
		Instructions: openai.String("You are a terse astronomer."),
		Input:        responses.ResponseNewParamsInputUnion{OfString: openai.String("How far is the moon from here?")},
	}
}

func sdkResponsesUsage(u responses.ResponseUsage) usage.Usage {
	return usage.Usage{
		Input:     u.InputTokens - u.InputTokensDetails.CachedTokens,
		CacheRead: u.InputTokensDetails.CachedTokens,
		Output:    u.OutputTokens,
		Reasoning: u.OutputTokensDetails.ReasoningTokens,
	}
}

func TestOpenAIResponses(t *testing.T) {
	for _, opts := range chunkingOptions {
		t.Run(optsName(opts), func(t *testing.T) {
			srv, rec := newServer(t, opts)
			client := openAIClient(srv.URL)
			t.Run("non-streaming", func(t *testing.T) {
				r, err := client.Responses.New(context.Background(), responsesParams())
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if r.OutputText() != Reply(opts) || r.Status != responses.ResponseStatusCompleted || r.Model != "gpt-5.1" {
					t.Errorf("text, status, model = %q, %q, %q; want text %q", r.OutputText(), r.Status, r.Model, Reply(opts))
				}
				assertUsage(t, sdkResponsesUsage(r.Usage), ExpectedUsage(api.OpenAIResponses.String(), rec.last(), opts))
			})
			t.Run("streaming", func(t *testing.T) {
				stream := client.Responses.NewStreaming(context.Background(), responsesParams())
				var types []string
				var deltas string
				var done *responses.Response
				for i := int64(0); stream.Next(); i++ {
					ev := stream.Current()
					if ev.SequenceNumber != i {
						t.Errorf("event %d has sequence_number %d", i, ev.SequenceNumber)
					}
					types = append(types, ev.Type)
					switch ev.Type {
					case "response.output_text.delta":
						deltas += ev.AsResponseOutputTextDelta().Delta
					case "response.output_text.done":
						if txt := ev.AsResponseOutputTextDone().Text; txt != Reply(opts) {
							t.Errorf("output_text.done text %q, want %q", txt, Reply(opts))
						}
					case "response.completed":
						r := ev.AsResponseCompleted().Response
						done = &r
					}
				}
				if err := stream.Err(); err != nil {
					t.Fatalf("stream: %v", err)
				}
				assertEventSequence(t, types, responsesEventSequence(opts.words()))
				if deltas != Reply(opts) {
					t.Errorf("deltas = %q, want %q", deltas, Reply(opts))
				}
				if done == nil {
					t.Fatal("no response.completed event")
				}
				if done.OutputText() != Reply(opts) || done.Status != responses.ResponseStatusCompleted {
					t.Errorf("completed response text, status = %q, %q", done.OutputText(), done.Status)
				}
				assertUsage(t, sdkResponsesUsage(done.Usage), ExpectedUsage(api.OpenAIResponses.String(), rec.last(), opts))
			})
		})
	}
}

// responsesEventSequence is the event order of a one-message Responses stream.
func responsesEventSequence(words int) []string {
	seq := []string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"}
	for range words {
		seq = append(seq, "response.output_text.delta")
	}
	return append(seq, "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed")
}

func assertEventSequence(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("event %d = %q, want %q (all: %q)", i, got[i], want[i], got)
		}
	}
}
