package mock

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// wireCase is one raw request of each API.
type wireCase struct {
	kind api.Kind
	path string
	hdr  map[string]string
	body string
	// streamPath, when set, is the path of the streaming call (Gemini streams by path,
	// not by a body field).
	streamPath string
	streamKind api.Kind
}

// streaming is the path, body and API kind of the case's streaming request.
func (wc wireCase) streaming() (path, body string, kind api.Kind) {
	if wc.streamPath != "" {
		return wc.streamPath, wc.body, wc.streamKind
	}
	return wc.path, streamBody(wc.body), wc.kind
}

func wireCases() map[string]wireCase {
	anthropicHdr := map[string]string{"x-api-key": testKey, "anthropic-version": "2023-06-01"}
	bearer := map[string]string{"Authorization": "Bearer " + testKey}
	return map[string]wireCase{
		"anthropic": {api.AnthropicMessages, "/v1/messages", anthropicHdr,
			`{"model":"claude-x","max_tokens":64,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hello there"}]}`, "", 0},
		"chat": {api.OpenAIChat, "/v1/chat/completions", bearer,
			`{"model":"gpt-x","messages":[{"role":"user","content":"hello there"}],"stream_options":{"include_usage":true}}`, "", 0},
		"responses": {api.OpenAIResponses, "/v1/responses", bearer,
			`{"model":"gpt-x","input":"hello there"}`, "", 0},
		"responses compaction": {api.OpenAIResponses, "/v1/responses", bearer,
			`{"model":"gpt-x","input":[{"type":"compaction","encrypted_content":"b2xk"},{"role":"user","content":"go on"}],"context_management":[{"type":"compaction","compact_threshold":1000}]}`, "", 0},
		"compact": {api.OpenAIResponsesOther, "/v1/responses/compact", bearer,
			`{"model":"gpt-x","instructions":"be brief","input":[{"role":"user","content":"hello there"},{"role":"assistant","content":"hi"}]}`, "", 0},
		"gemini": {api.GeminiGenerateContent, "/v1beta/models/gemini-x:generateContent", map[string]string{"x-goog-api-key": testKey},
			`{"contents":[{"role":"user","parts":[{"text":"hello there"}]}],"systemInstruction":{"parts":[{"text":"Be brief."}]},"cachedContent":"cachedContents/c1","generationConfig":{"thinkingConfig":{"includeThoughts":true}}}`,
			"/v1beta/models/gemini-x:streamGenerateContent?alt=sse", api.GeminiStreamGenerateContent},
	}
}

// streamBody turns a wire case's body into its streaming form.
func streamBody(body string) string { return `{"stream":true,` + body[1:] }

// TestWireUsageMatchesExtractor feeds the mock's raw responses to tollgate's own usage
// extractors: what tollgate meters must be ExpectedUsage.
func TestWireUsageMatchesExtractor(t *testing.T) {
	opts := Options{Words: 5, ChunkBytes: 3}
	srv, _ := newServer(t, opts)
	for name, wc := range wireCases() {
		for _, stream := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "", true: " stream"}[stream], func(t *testing.T) {
				if stream && wc.path == "/v1/responses/compact" {
					t.Skip("compact answers are never streamed")
				}
				path, body, kind := wc.path, wc.body, wc.kind
				if stream {
					path, body, kind = wc.streaming()
				} else {
					body = strings.Replace(body, `,"stream_options":{"include_usage":true}`, "", 1)
				}
				resp := send(t, http.MethodPost, srv.URL, path, body, wc.hdr)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				ex := usage.NewExtractor(kind)
				if stream {
					if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
						t.Errorf("content-type %q", ct)
					}
					for _, ev := range readSSE(t, resp.Body) {
						ex.Event(ev.name, []byte(ev.data))
					}
				} else {
					b, err := io.ReadAll(resp.Body)
					if err != nil {
						t.Fatal(err)
					}
					ex.Body(b)
				}
				assertUsage(t, ex.Usage(), ExpectedUsage(kind.String(), []byte(body), opts))
			})
		}
	}
}

func TestAnthropicWireEvents(t *testing.T) {
	srv, _ := newServer(t, Options{Words: 3})
	wc := wireCases()["anthropic"]
	resp := send(t, http.MethodPost, srv.URL, wc.path, streamBody(wc.body), wc.hdr)
	var names []string
	for _, ev := range readSSE(t, resp.Body) {
		if typ := gjson.Get(ev.data, "type").Str; typ != ev.name {
			t.Errorf("event %q carries type %q", ev.name, typ)
		}
		names = append(names, ev.name)
	}
	assertEventSequence(t, names, []string{"message_start", "content_block_start", "ping",
		"content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop"})
}

func TestChatWireFraming(t *testing.T) {
	srv, _ := newServer(t, Options{Words: 2})
	wc := wireCases()["chat"]
	for _, include := range []bool{true, false} {
		body := streamBody(wc.body)
		if !include {
			body = strings.Replace(body, "true}", "false}", 1)
		}
		resp := send(t, http.MethodPost, srv.URL, wc.path, body, wc.hdr)
		events := readSSE(t, resp.Body)
		// role chunk, 2 words, finish chunk, [usage chunk], [DONE]
		want := 5
		if include {
			want = 6
		}
		if len(events) != want || events[len(events)-1].data != "[DONE]" {
			t.Fatalf("include_usage=%v: %d events, last %+v; want %d ending in [DONE]", include, len(events), events[len(events)-1], want)
		}
		for i, ev := range events[:len(events)-1] {
			u := gjson.Get(ev.data, "usage")
			last := i == len(events)-2
			switch {
			case ev.name != "":
				t.Errorf("chunk %d has an event name %q", i, ev.name)
			case !include && u.Exists():
				t.Errorf("chunk %d has usage without include_usage: %s", i, ev.data)
			case include && last && (!u.IsObject() || len(gjson.Get(ev.data, "choices").Array()) != 0):
				t.Errorf("last chunk is not the usage chunk: %s", ev.data)
			case include && !last && u.Raw != "null":
				t.Errorf(`chunk %d: usage %q, want null`, i, u.Raw)
			}
		}
	}
}

// TestCancelMidStream checks a handler waiting between deltas returns as soon as the
// client goes away. The bound on the wait only guards against a hang.
func TestCancelMidStream(t *testing.T) {
	for name, wc := range wireCases() {
		if wc.path == "/v1/responses/compact" {
			continue // never streamed: nothing to cancel mid-stream
		}
		t.Run(name, func(t *testing.T) {
			h := New(Options{ChunkDelay: time.Hour}, slog.New(slog.DiscardHandler))
			returned := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(returned)
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			path, body, _ := wc.streaming()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range wc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// The events before the first delta arrive at once; then the handler waits.
			first, err := bufio.NewReader(resp.Body).ReadString('\n')
			if err != nil || !strings.HasPrefix(first, "event: ") && !strings.HasPrefix(first, "data: ") {
				t.Fatalf("first line %q, %v", first, err)
			}
			cancel()
			select {
			case <-returned:
			case <-time.After(10 * time.Second):
				t.Fatal("handler still running 10s after the client went away")
			}
		})
	}
}
