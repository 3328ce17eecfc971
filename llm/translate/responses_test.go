package translate

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Responses requests whose state or tools live at OpenAI are refused, naming what.
func TestResponsesRefusals(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"previous response", `{"input":"hi","previous_response_id":"resp_1"}`, "previous_response_id needs state stored at OpenAI"},
		{"conversation", `{"input":"hi","conversation":"conv_1"}`, "conversation needs state stored at OpenAI"},
		{"background", `{"input":"hi","background":true}`, "background responses"},
		{"built-in tool", `{"input":"hi","tools":[{"type":"web_search"}]}`, `built-in "web_search" tool`},
		{"item reference", `{"input":[{"type":"item_reference","id":"msg_1"}]}`, "item_reference needs items stored at OpenAI"},
		{"compaction", `{"input":[{"type":"compaction","encrypted_content":"gAAA"}]}`, "encrypted for OpenAI"},
		{"output for an unknown call", `{"input":[{"type":"function_call_output","call_id":"c9","output":"x"}]}`, `call_id "c9" answers no tool call`},
		{"image by file id", `{"input":[{"role":"user","content":[{"type":"input_image","file_id":"file-1"}]}]}`, "file_id names a file stored at OpenAI"},
		{"bad arguments", `{"input":[{"type":"function_call","call_id":"c1","name":"f","arguments":"[1]"}]}`, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Request(ResponsesToMessages, []byte(tc.body), Options{Model: "m"})
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, tc.want) {
				t.Errorf("error %v, want a 400 saying %q", err, tc.want)
			}
		})
	}
}

// The thinking block a reasoning item carries comes back as it was, signature and all;
// OpenAI's own encrypted reasoning, or anything else, is dropped.
func TestThinkingCarriedAcrossTurns(t *testing.T) {
	out, err := translateAll(codexExchange(true), FramingSSE, &sink{}, fixture(t, "responses_messages/stream_tools.sse"))
	if err != nil {
		t.Fatal(err)
	}
	var enc string
	for _, d := range sseData(out) {
		if gjson.GetBytes(d, "type").Str == "response.output_item.done" && gjson.GetBytes(d, "item.type").Str == "reasoning" {
			enc = gjson.GetBytes(d, "item.encrypted_content").Str
		}
	}
	next := `{"input":[{"role":"user","content":"go"},{"type":"reasoning","summary":[],"encrypted_content":"` + enc + `"},` +
		`{"type":"function_call","call_id":"c1","name":"shell","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"ok"}],` +
		`"reasoning":{"effort":"low"}}`
	body, _, err := Request(ResponsesToMessages, []byte(next), Options{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	blk := gjson.GetBytes(body, "messages.1.content.0")
	if blk.Get("type").Str != "thinking" || blk.Get("thinking").Str != `The patch applied; run the "tests".` ||
		blk.Get("signature").Str != "EqQBCgIYAhIMnext" || !gjson.GetBytes(body, "thinking").Exists() {
		t.Errorf("the carried thinking did not come back: %s", body)
	}
	for _, enc := range []string{"gAAAAABoOpenAI==", thinkingCarrier + "bm90IGpzb24=", thinkingCarrier + "eyJ0eXBlIjoidGV4dCJ9"} {
		next := `{"input":[{"type":"reasoning","summary":[],"encrypted_content":"` + enc + `"}]}`
		var dropped []string
		body, _, err := Request(ResponsesToMessages, []byte(next), Options{Model: "m", Dropped: func(l, _ string) { dropped = append(dropped, l) }})
		if err != nil || strings.Contains(string(body), "thinking") || len(dropped) != 1 || dropped[0] != "reasoning_items" {
			t.Errorf("%s: %s, %v, dropped %q", enc, body, err, dropped)
		}
	}
}

// A Responses stream that breaks ends with response.failed, in the codes Codex acts on.
func TestResponsesStreamFailures(t *testing.T) {
	for _, tc := range []struct{ name, body, code string }{
		{"cut short", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n", "server_error"},
		{"not JSON", "event: message_start\ndata: {\"type\":\n\n", "server_error"},
		{"context window", "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 1 > 0\"}}\n\n", "context_length_exceeded"},
		{"rate limit", "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n", "rate_limit_exceeded"},
	} {
		out, err := translateAll(codexExchange(true), FramingSSE, &sink{}, []byte(tc.body))
		evs := sseData(out)
		last := evs[len(evs)-1]
		if err == nil || gjson.GetBytes(last, "type").Str != "response.failed" || gjson.GetBytes(last, "response.error.code").Str != tc.code {
			t.Errorf("%s: %v, last event %s", tc.name, err, last)
		}
		if gjson.GetBytes(evs[0], "type").Str != "response.created" {
			t.Errorf("%s: the stream does not open with response.created: %s", tc.name, evs[0])
		}
	}
}
