package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// Requests that cannot be translated get a 400 naming what cannot be mapped.
func TestRequestRefusals(t *testing.T) {
	const tc1 = `{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	for _, tc := range []struct {
		name string
		pair Pair
		opts Options
		body string
		want string
	}{
		{"tool result for an unknown call", ChatToMessages, Options{},
			`{"messages":[` + tc1 + `,{"role":"tool","tool_call_id":"c2","content":"x"}]}`, `tool_call_id "c2" answers no tool call`},
		{"tool result before any call", ChatToMessages, Options{},
			`{"messages":[{"role":"tool","tool_call_id":"c1","content":"x"}]}`, `tool_call_id "c1"`},
		{"image type not accepted", ChatToMessages, Options{Target: "Claude on Bedrock"},
			`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}`, `image type "image/bmp" is not accepted by Claude on Bedrock`},
		{"image URL where only base64 is taken", ChatToMessages, Options{Target: "Claude on Vertex AI"},
			`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`, "Claude on Vertex AI does not accept images by URL"},
		{"image URL of another scheme", ChatToMessages, Options{ImageURLs: true},
			`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/a.png"}}]}]}`, "http(s) URL or a base64 data: URL"},
		{"audio", ChatToMessages, Options{},
			`{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}`, `"input_audio" cannot be translated`},
		{"file by id", ChatToMessages, Options{},
			`{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}`, "file_id cannot"},
		{"several choices", ChatToMessages, Options{}, `{"n":2,"messages":[]}`, "n: 2 choices"},
		{"a custom tool", ChatToMessages, Options{}, `{"tools":[{"type":"custom","custom":{"name":"x"}}],"messages":[]}`, `tools of type "custom"`},
		{"arguments not an object", ChatToMessages, Options{},
			`{"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}`, "not a JSON object"},
		{"legacy function role", ChatToMessages, Options{}, `{"messages":[{"role":"function","name":"f","content":"x"}]}`, `role "function"`},
		{"unknown role", ChatToMessages, Options{}, `{"messages":[{"role":"critic","content":"x"}]}`, `unknown role "critic"`},
		{"body not an object", ChatToMessages, Options{}, `[1]`, "JSON object"},
		{"tool_result for an unknown tool_use", MessagesToChat, Options{},
			`{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t9","content":"x"}]}]}`, `tool_use_id "t9" answers no tool_use`},
		{"server tool", MessagesToChat, Options{},
			`{"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[]}`, `server tools (type "web_search_20250305")`},
		{"image from the Files API", MessagesToChat, Options{},
			`{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f1"}}]}]}`, `source of type "file"`},
		{"document by URL", MessagesToChat, Options{},
			`{"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}`, "only as base64 PDFs or plain text"},
		{"server tool result", MessagesToChat, Options{},
			`{"messages":[{"role":"assistant","content":[{"type":"server_tool_use","id":"s1","name":"web_search","input":{}}]}]}`, `"server_tool_use" cannot be translated`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := Request(tc.pair, []byte(tc.body), tc.opts)
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("got %s, error %v; want a 400", out, err)
			}
			if !strings.Contains(ae.Message, tc.want) {
				t.Errorf("message %q does not say %q", ae.Message, tc.want)
			}
		})
	}
}

// A malformed upstream stream ends the client's stream with an error event in the
// client's shape; the events after it still reach the meter, so the usage is kept.
func TestMalformedStream(t *testing.T) {
	for _, tc := range []struct {
		name    string
		x       Exchange
		f       Framing
		body    string
		err     error
		want    string // in the last output
		events  int    // given to the sink
		failed  bool   // the sink was told the body stopped decoding
		noAfter bool
	}{
		{"messages event not JSON", Exchange{Pair: ChatToMessages}, FramingSSE,
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":9}}\n\n",
			ErrMalformed, `data: {"error":{"message":"the upstream response could not be translated"`, 3, false, false},
		{"messages stream cut short", Exchange{Pair: ChatToMessages}, FramingSSE,
			"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n",
			ErrTruncated, `"the upstream stream ended before its end"`, 1, false, false},
		{"chat stream cut short", Exchange{Pair: MessagesToChat}, FramingSSE,
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n",
			ErrTruncated, `event: error` + "\n" + `data: {"type":"error","error":{"type":"api_error","message":"the upstream stream ended before its end"}}`, 1, false, false},
		{"chat chunk not JSON", Exchange{Pair: MessagesToChat}, FramingSSE,
			"data: {\"choices\":[\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n",
			ErrMalformed, `event: error`, 3, false, false},
		{"tool arguments for no tool call", Exchange{Pair: MessagesToChat}, FramingSSE,
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":3,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n",
			ErrMalformed, `event: error`, 1, false, false},
		// The client's stream ends; the sink (the meter) is not failed: the parser skips
		// the event without holding it and the events after it still reach the sink.
		{"event over the limit", Exchange{Pair: MessagesToChat}, FramingSSE,
			"data: " + strings.Repeat("x", MaxEventBytes+1) + "\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n",
			ErrTooLarge, `exceeds the gateway's size limit`, 1, false, false},
		{"bedrock frame corrupt", Exchange{Pair: ChatToMessages}, FramingEventStream,
			"\x00\x00\x00\x20\x00\x00\x00\x00\xde\xad\xbe\xef" + strings.Repeat("x", 20),
			nil, `data: {"error":`, 0, true, false},
		{"compressed body", Exchange{Pair: ChatToMessages}, FramingEncoded, "\x1f\x8b\x08",
			ErrEncoded, `content-encoded`, 0, true, false},
		{"body not JSON", Exchange{Pair: MessagesToChat}, FramingJSON, `{"choices":`,
			ErrMalformed, `"type":"error"`, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s sink
			r := NewResponse(tc.x, tc.f, &s)
			out, err := r.Translate([]byte(tc.body), true)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output %q does not hold %q", out, tc.want)
			}
			if len(s.events) != tc.events || (s.err != nil) != tc.failed {
				t.Errorf("the sink got %d events and error %v; want %d, failed %v", len(s.events), s.err, tc.events, tc.failed)
			}
			if again, err2 := r.Translate([]byte("data: {}\n\n"), true); len(again) != 0 || err2 == nil {
				t.Errorf("after the error: %q, %v; want nothing and the error", again, err2)
			}
		})
	}
}

// An exception in Bedrock's event stream is the client's error event.
func TestBedrockException(t *testing.T) {
	frame := encodeException(t, "throttlingException", `{"message":"Too many tokens, please wait."}`)
	out, err := translateAll(Exchange{Pair: ChatToMessages}, FramingEventStream, &sink{}, frame)
	if !errors.Is(err, ErrUpstream) || !strings.Contains(string(out), `"Too many tokens, please wait."`) ||
		!strings.HasPrefix(string(out), `data: {"error":`) {
		t.Errorf("got %q, %v", out, err)
	}
}

// Errors answered by the upstream keep their status and message in the client's shape;
// a body that is not the upstream's error shape names the status.
func TestReshapeError(t *testing.T) {
	for _, tc := range []struct {
		pair   Pair
		status int
		body   string
		want   string
	}{
		{ChatToMessages, 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
			`{"error":{"message":"Overloaded","type":"server_error","param":null,"code":"server_error"}}`},
		{ChatToMessages, 502, `<html>bad gateway</html>`,
			`{"error":{"message":"the upstream answered Bad Gateway","type":"server_error","param":null,"code":"server_error"}}`},
		{MessagesToChat, 401, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`,
			`{"type":"error","error":{"type":"authentication_error","message":"Incorrect API key provided"}}`},
		{MessagesToChat, 429, `[{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}]`,
			`{"type":"error","error":{"type":"rate_limit_error","message":"Resource has been exhausted"}}`},
	} {
		if got := string(ReshapeError(tc.pair, tc.status, []byte(tc.body))); got != tc.want {
			t.Errorf("%s %d: got %s, want %s", tc.pair.Upstream, tc.status, got, tc.want)
		}
	}
}

// With thinking on, Messages refuse a last assistant turn that calls tools without its
// thinking block, which a Chat client never sends back: thinking stays off then.
func TestThinkingOffAfterToolCalls(t *testing.T) {
	body := `{"reasoning_effort":"high","messages":[{"role":"user","content":"weather?"},` +
		`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"c1","content":"sunny"}]}`
	var dropped []string
	out, _, err := Request(ChatToMessages, []byte(body), Options{Model: "m", Dropped: func(l, _ string) { dropped = append(dropped, l) }})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), `"thinking"`) || len(dropped) != 1 || dropped[0] != "reasoning_effort" {
		t.Errorf("got %s, dropped %q", out, dropped)
	}
	// A tool loop already answered (a user turn after it) keeps thinking.
	body = strings.TrimSuffix(body, "]}") + `,{"role":"assistant","content":"It is sunny."},{"role":"user","content":"thanks"}]}`
	out, _, err = Request(ChatToMessages, []byte(body), Options{Model: "m"})
	if err != nil || !strings.Contains(string(out), `"thinking":{"type":"enabled","budget_tokens":16384}`) {
		t.Errorf("got %s, %v", out, err)
	}
}
