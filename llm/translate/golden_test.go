package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/mock"
)

// The golden files: testdata/<pair>/<name>.json (or .sse) is what one side sends and
// <name>.want.* what the other gets; PROVENANCE.md says where each shape comes from.
var goldenCases = []struct {
	file    string // under testdata, without extension; the prefix says what it is
	pair    Pair
	opts    Options  // requests
	dropped []string // requests: the labels reported
	x       Exchange // responses
	status  int      // errors
	err     error    // streams: the error the translation ends with
}{
	{file: "chat_messages/request_tools", pair: ChatToMessages,
		opts:    Options{Model: "claude-sonnet-4-5-20250929", ImageURLs: true},
		dropped: []string{"message_name", "image_detail", "seed", "frequency_penalty", "logprobs", "other"}},
	{file: "chat_messages/request_reasoning", pair: ChatToMessages,
		opts:    Options{Model: "claude-opus-4-1-20250805"},
		dropped: []string{"temperature", "tool_choice", "top_p"}},
	{file: "chat_messages/stream_tools", x: Exchange{Pair: ChatToMessages, ClientModel: "claude-sonnet-4-5", Stream: true, IncludeUsage: true}},
	{file: "chat_messages/stream_error", x: Exchange{Pair: ChatToMessages, ClientModel: "claude-sonnet-4-5", Stream: true}, err: ErrUpstream},
	{file: "chat_messages/body_tools", x: Exchange{Pair: ChatToMessages, ClientModel: "claude-sonnet-4-5"}},
	{file: "chat_messages/error", pair: ChatToMessages, status: 429},
	{file: "messages_chat/request_tools", pair: MessagesToChat,
		opts:    Options{Model: "gpt-5.1"},
		dropped: []string{"cache_control", "thinking_blocks", "top_k"}},
	{file: "messages_chat/request_structured", pair: MessagesToChat,
		opts:    Options{Model: "gemini-2.5-pro", MaxTokensField: "max_tokens"},
		dropped: []string{"service_tier"}},
	{file: "messages_chat/stream_tools", x: Exchange{Pair: MessagesToChat, ClientModel: "gpt-5.1", Stream: true}},
	{file: "messages_chat/stream_reasoning", x: Exchange{Pair: MessagesToChat, ClientModel: "gemini-2.5-pro", Stream: true}},
	{file: "messages_chat/stream_error", x: Exchange{Pair: MessagesToChat, ClientModel: "gpt-5.1", Stream: true}, err: ErrUpstream},
	{file: "messages_chat/body_tools", x: Exchange{Pair: MessagesToChat, ClientModel: "gpt-5.1"}},
	{file: "messages_chat/error", pair: MessagesToChat, status: 400},
	{file: "responses_messages/request_codex", pair: ResponsesToMessages,
		opts:    Options{Model: "claude-sonnet-4-5-20250929", ImageURLs: true},
		dropped: []string{"prompt_cache_key", "reasoning_items", "reasoning_summary", "verbosity"}},
	{file: "responses_messages/stream_tools", x: codexExchange(true)},
	{file: "responses_messages/stream_error", x: codexExchange(true), err: ErrUpstream},
	{file: "responses_messages/body_tools", x: codexExchange(false)},
	{file: "responses_messages/error", pair: ResponsesToMessages, status: 400},
}

// codexExchange is a Codex request's exchange: apply_patch is a custom tool.
func codexExchange(stream bool) Exchange {
	return Exchange{Pair: ResponsesToMessages, ClientModel: "claude-sonnet-4-5", Stream: stream,
		tools: toolKinds{"apply_patch": customTool}}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			base := tc.file[strings.LastIndexByte(tc.file, '/')+1:]
			switch {
			case strings.HasPrefix(base, "request_"):
				var dropped []string
				o := tc.opts
				o.Dropped = func(label, _ string) { dropped = append(dropped, label) }
				out, _, err := Request(tc.pair, fixture(t, tc.file+".json"), o)
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(out) {
					t.Fatalf("not JSON: %s", out)
				}
				golden(t, tc.file+".want.json", out)
				slices.Sort(dropped)
				if want := slices.Sorted(slices.Values(tc.dropped)); !slices.Equal(dropped, want) {
					t.Errorf("dropped %q, want %q", dropped, want)
				}
			case strings.HasPrefix(base, "stream_"):
				goldenStream(t, tc.file, tc.x, tc.err)
			case strings.HasPrefix(base, "body_"):
				var s sink
				out, err := translateAll(tc.x, FramingJSON, &s, fixture(t, tc.file+".json"))
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(out) || s.bodies != 1 {
					t.Fatalf("not JSON, or the sink got %d bodies: %s", s.bodies, out)
				}
				golden(t, tc.file+".want.json", out)
			default:
				out := ReshapeError(tc.pair, tc.status, fixture(t, tc.file+".json"))
				golden(t, tc.file+".want.json", out)
			}
		})
	}
}

// goldenStream translates a stream whole and split at every byte offset (the same
// output), and for Anthropic streams also from Bedrock's event stream.
func goldenStream(t *testing.T, file string, x Exchange, wantErr error) {
	in := fixture(t, file+".sse")
	var s sink
	out, err := translateAll(x, FramingSSE, &s, in)
	if !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
		t.Fatalf("error %v, want %v", err, wantErr)
	}
	golden(t, file+".want.sse", out)
	checkJSONEvents(t, out)
	upstream := sseData(in)
	if len(s.events) != len(upstream) || s.err != nil {
		t.Errorf("the sink got %d events (error %v); the upstream sent %d", len(s.events), s.err, len(upstream))
	}
	for i := 1; i < len(in); i++ {
		got, _ := translateAll(x, FramingSSE, &sink{}, in, i)
		if !bytes.Equal(got, out) {
			t.Fatalf("split at byte %d: got\n%s\nwant\n%s", i, got, out)
		}
	}
	if x.Pair.Upstream.String() != "anthropic_messages" {
		return
	}
	es, err := mock.BedrockStream(upstream)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{1, 7, 64, len(es) / 2} {
		var bs sink
		got, _ := translateAll(x, FramingEventStream, &bs, es, at)
		if !bytes.Equal(got, out) || len(bs.events) != len(upstream) {
			t.Errorf("from Bedrock's event stream (split at %d): the sink got %d events, the client\n%s\nwant\n%s", at, len(bs.events), got, out)
		}
	}
}
