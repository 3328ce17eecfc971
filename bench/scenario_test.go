package bench

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// streamUsage reads the usage a scenario's stream carries, the way each API reports it.
func streamUsage(t *testing.T, sc *Scenario) Tokens {
	t.Helper()
	var u Tokens
	for _, c := range sc.Chunks {
		for _, line := range strings.Split(string(c), "\n") {
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok || data == "[DONE]" {
				continue
			}
			if !gjson.Valid(data) {
				t.Fatalf("invalid JSON event: %s", data)
			}
			ev := gjson.Parse(data)
			switch ev.Get("type").String() {
			case "message_start":
				mu := ev.Get("message.usage")
				u.Input, u.CacheRead, u.CacheWrite = mu.Get("input_tokens").Int(), mu.Get("cache_read_input_tokens").Int(), mu.Get("cache_creation_input_tokens").Int()
			case "message_delta":
				u.Output = ev.Get("usage.output_tokens").Int()
			case "":
				if ou := ev.Get("usage"); ou.IsObject() {
					cached := ou.Get("prompt_tokens_details.cached_tokens").Int()
					u = Tokens{Input: ou.Get("prompt_tokens").Int() - cached, Output: ou.Get("completion_tokens").Int(), CacheRead: cached}
				}
			}
		}
	}
	return u
}

func TestScenarios(t *testing.T) {
	tests := []struct {
		name, model, path, keyHeader, lastEvent string
		size, chunks, concurrency               int
		pacing                                  time.Duration
	}{
		{"chat-2k", "gpt-5.1", "/v1/chat/completions", "authorization", "data: [DONE]\n\n", 2 << 10, 50, 16, 0},
		{"chat-2k-paced", "gpt-5.1", "/v1/chat/completions", "authorization", "data: [DONE]\n\n", 2 << 10, 50, 32, 20 * time.Millisecond},
		{"claude-200k", "claude-sonnet-4-5-20250929", "/v1/messages", "x-api-key", "event: message_stop\n", 200 << 10, 500, 16, 0},
		{"body-5m", "claude-sonnet-4-5-20250929", "/v1/messages", "x-api-key", "event: message_stop\n", 5 << 20, 20, 4, 0},
	}
	if len(tests) != len(ScenarioNames()) {
		t.Fatalf("scenarios %v: each needs a case here", ScenarioNames())
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := NewScenario(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(sc.Body) {
				t.Fatal("request body is not valid JSON")
			}
			b := gjson.ParseBytes(sc.Body)
			if b.Get("model").String() != tt.model || !b.Get("stream").Bool() || !b.Get("messages").IsArray() {
				t.Errorf("body: model %q stream %v", b.Get("model"), b.Get("stream"))
			}
			if !strings.HasPrefix(string(sc.Body), `{"model":`) {
				t.Error("model is not the first field")
			}
			if n := len(sc.Body); n > tt.size || n < tt.size*95/100 {
				t.Errorf("body is %d bytes, want within 5%% below %d", n, tt.size)
			}
			if sc.Path != tt.path || sc.KeyHeader != tt.keyHeader || sc.ContentType != "text/event-stream" {
				t.Errorf("path %q key header %q content type %q", sc.Path, sc.KeyHeader, sc.ContentType)
			}
			if sc.Concurrency != tt.concurrency || sc.Pacing != tt.pacing {
				t.Errorf("concurrency %d pacing %v, want %d %v", sc.Concurrency, sc.Pacing, tt.concurrency, tt.pacing)
			}
			if len(sc.Chunks) != tt.chunks {
				t.Errorf("%d chunks, want %d", len(sc.Chunks), tt.chunks)
			}
			for i, c := range sc.Chunks {
				if !bytes.HasSuffix(c, []byte("\n\n")) {
					t.Fatalf("chunk %d is not one whole SSE event: %q", i, c)
				}
			}
			if last := sc.Chunks[len(sc.Chunks)-1]; !bytes.HasPrefix(last, []byte(tt.lastEvent)) {
				t.Errorf("last event %q, want %q", last, tt.lastEvent)
			}
			if got := streamUsage(t, sc); got != sc.Usage || got.Output == 0 || got.Input == 0 {
				t.Errorf("stream carries usage %+v, scenario declares %+v", got, sc.Usage)
			}
			again, _ := NewScenario(tt.name)
			if !bytes.Equal(again.Body, sc.Body) || !bytes.Equal(joined(again.Chunks), joined(sc.Chunks)) {
				t.Error("building the scenario twice gave different bytes")
			}
		})
	}
}

func TestCheckScenarios(t *testing.T) {
	tests := []struct {
		names []string
		want  string // "" means valid
	}{
		{[]string{"chat-2k"}, ""},
		{DefaultScenarios, ""},
		{nil, "no scenarios"},
		{[]string{"chat-2k", "nope", "also-nope"}, "unknown scenario nope, also-nope"},
		{[]string{"chat-2k", "chat-2k"}, "listed twice"},
	}
	for _, tt := range tests {
		err := checkScenarios(tt.names)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkScenarios(%q) = %v, want %q", tt.names, err, tt.want)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	sc, err := NewScenario("chat-2k")
	if err != nil {
		t.Fatal(err)
	}
	m := newMessages(sc, "sk-test")
	a, b := m.workerHeaders(3), m.workerHeaders(4)
	a.setID(3, 41)
	b.setID(4, 1234567)
	get := func(rh *requestHeaders) map[string]string {
		out := map[string]string{}
		for _, h := range rh.msg.GetRequestHeaders().GetHeaders().GetHeaders() {
			if h.Value != "" {
				t.Errorf("header %s has value %q: values go in raw_value", h.Key, h.Value)
			}
			out[h.Key] = string(h.RawValue)
		}
		return out
	}
	ha, hb := get(a), get(b)
	for k, want := range map[string]string{
		":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json",
		"authorization": "Bearer sk-test", "x-request-id": "bench-0003-000000041",
	} {
		if ha[k] != want {
			t.Errorf("%s = %q, want %q", k, ha[k], want)
		}
	}
	if ha["content-length"] != strconv.Itoa(len(sc.Body)) {
		t.Errorf("content-length %q, body %d bytes", ha["content-length"], len(sc.Body))
	}
	if hb["x-request-id"] != "bench-0004-001234567" {
		t.Errorf("second worker's x-request-id %q", hb["x-request-id"])
	}
	if ids := get(&requestHeaders{msg: m.reqHeaders}); ids["x-request-id"] == ha["x-request-id"] {
		t.Error("the shared template was modified")
	}
}
