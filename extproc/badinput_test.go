package extproc_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tidwall/gjson"
)

// checkErrorShape fails unless body is an error in the shape of the client's API
// ("anthropic" or "openai") whose message contains want.
func checkErrorShape(t testing.TB, body []byte, shape, want string) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body is not JSON: %q", body)
	}
	e, _ := got["error"].(map[string]any)
	switch shape {
	case "anthropic":
		if got["type"] != "error" || e["type"] == nil || e["message"] == nil {
			t.Errorf("not Anthropic's error shape: %s", body)
		}
	case "openai":
		if got["type"] != nil || e["type"] == nil || e["message"] == nil || e["code"] == nil {
			t.Errorf("not OpenAI's error shape: %s", body)
		}
	}
	if msg, _ := e["message"].(string); !strings.Contains(msg, want) {
		t.Errorf("message %q does not mention %q", msg, want)
	}
}

// topLevelModel is the model an upstream parser sees: the last top-level "model" key
// (encoding/json into a map keeps the last duplicate, as most JSON parsers do).
func topLevelModel(t testing.TB, body []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("upstream body does not parse: %v", err)
	}
	var s string
	_ = json.Unmarshal(m["model"], &s)
	return s
}

// TestBadRequestInput: request-side bad input not covered by TestErrors. Each gets a
// clear error in the client's API shape, or passes through routed on the model the
// upstream will read.
func TestBadRequestInput(t *testing.T) {
	isolateCloud(t, "AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST", "AWS_SECRET_ACCESS_KEY", "aws-SECRET-static-key")
	f := newWiredFixture(t, &syncBuffer{})
	deep := `{"model":"gpt-4.1","x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}`
	tests := []struct {
		name   string
		method string // "" = POST
		path   string
		ctype  string // "" = application/json
		body   string
		noBody bool // the headers end the stream
		// A rejection: status, error shape and a word of the message.
		status          int
		shape, contains string
		// A pass-through: the provider chosen and the model the upstream reads.
		provider, upstreamModel string
	}{
		{name: "whitespace-only body", path: "/v1/messages", body: " \r\n\t ", status: 400, shape: "anthropic", contains: "empty"},
		{name: "body is JSON null", path: "/v1/chat/completions", body: "null", status: 400, shape: "openai", contains: "object"},
		{name: "body is a JSON string", path: "/v1/responses", body: `"gpt-4.1"`, status: 400, shape: "openai", contains: "object"},
		{name: "byte-order mark", path: "/v1/messages", body: "\xef\xbb\xbf{\"model\":\"claude-x\"}", status: 400, shape: "anthropic", contains: "JSON"},
		{name: "trailing garbage", path: "/v1/messages", body: `{"model":"claude-x"} {"model":"claude-y"}`, status: 400, shape: "anthropic", contains: "JSON"},
		{name: "model is null", path: "/v1/messages", body: `{"model":null}`, status: 400, shape: "anthropic", contains: "string"},
		{name: "model is an object", path: "/v1/chat/completions", body: `{"model":{"id":"gpt-4.1"}}`, status: 400, shape: "openai", contains: "string"},
		{name: "model is true", path: "/v1/chat/completions", body: `{"model":true}`, status: 400, shape: "openai", contains: "string"},
		{name: "model is invalid UTF-8", path: "/v1/messages", body: "{\"model\":\"claude-\xff\xfe\",\"max_tokens\":1}", status: 400, shape: "anthropic", contains: "UTF-8"},
		{name: "path model is invalid UTF-8", path: "/model/claude-%FF%FE/invoke", body: `{"max_tokens":1,"messages":[]}`, status: 400, shape: "anthropic", contains: "UTF-8"},
		{name: "duplicate model, spaced keys", path: "/v1/chat/completions", body: `{"model" : "gpt-4.1", "messages":[], "model"	:"gpt-via-azure"}`, status: 400, shape: "openai", contains: "more than one"},
		{name: "duplicate model, first not a string", path: "/v1/messages", body: `{"model":1,"model":"claude-x"}`, status: 400, shape: "anthropic", contains: "more than one"},
		{name: "PUT", method: "PUT", path: "/v1/chat/completions", body: `{"model":"gpt-4.1"}`, status: 405, shape: "openai", contains: "POST"},
		{name: "DELETE", method: "DELETE", path: "/v1/messages", noBody: true, status: 405, shape: "anthropic", contains: "POST"},
		{name: "POST the model list", path: "/v1/models", body: `{}`, status: 405, shape: "openai", contains: "GET"},
		{name: "no :path", path: "", body: `{"model":"gpt-4.1"}`, status: 404, shape: "openai", contains: "does not serve"},
		{name: "path traversal", path: "/v1/messages/../../-/reload", body: `{"model":"claude-x"}`, status: 404, shape: "anthropic", contains: "does not serve"},
		{name: "unknown bedrock operation", path: "/model/claude-x/converse", body: `{"messages":[]}`, status: 404, shape: "anthropic", contains: "does not serve"},
		{name: "unknown version prefix", path: "/v2/chat/completions", body: `{"model":"gpt-4.1"}`, status: 404, shape: "openai", contains: "/v2/chat/completions"},
		{name: "multipart body", path: "/v1/chat/completions", ctype: "multipart/form-data; boundary=x", body: "--x--", status: 415, shape: "openai", contains: "application/json"},
		{name: "form body", path: "/v1/messages", ctype: "application/x-www-form-urlencoded", body: "model=claude-x", status: 415, shape: "anthropic", contains: "application/json"},

		{name: "invalid UTF-8 in content passes through", path: "/v1/chat/completions",
			body: "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\xe9 \xc3\x28\"}]}", provider: "openai", upstreamModel: "gpt-4.1"},
		{name: "nested model keys are not the model", path: "/v1/chat/completions",
			body: `{"messages":[{"role":"user","content":"x","model":"gpt-5.1"}],"metadata":{"model":"claude-x"},"model":"gpt-via-azure"}`, provider: "azure-east", upstreamModel: "gpt-prod"},
		{name: "model key last", path: "/v1/messages",
			body: `{"max_tokens":1,"messages":[],"model":"claude-opus-4-7"}`, provider: "anthropic", upstreamModel: "claude-opus-4-7"},
		{name: "escaped text that looks like a model key", path: "/v1/chat/completions",
			body: `{"model":"gpt-4.1","messages":[{"role":"user","content":"\"model\":\"gpt-via-azure\" \u0041"}]}`, provider: "openai", upstreamModel: "gpt-4.1"},
		{name: "9000-deep nesting (encoding/json allows 10000)", path: "/v1/chat/completions", body: deep, provider: "openai", upstreamModel: "gpt-4.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "POST"
			}
			ctype := tc.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			hdr := []string{":method", method, "content-type", ctype, "x-api-key", securityClientKey}
			if tc.path != "" {
				hdr = append(hdr, ":path", tc.path)
			}
			ex := f.open(t)
			defer ex.close()
			resp := ex.send(requestHeaders(tc.noBody, hdr...))
			if resp.GetImmediateResponse() == nil {
				if tc.noBody {
					t.Fatalf("headers-only request not answered: %T", resp.Response)
				}
				resp = ex.send(requestBody([]byte(tc.body)))
			}
			if tc.status != 0 {
				ir := immediateOf(t, resp)
				if int(ir.Status.Code) != tc.status {
					t.Errorf("status = %d, want %d (%s)", ir.Status.Code, tc.status, ir.Body)
				}
				checkErrorShape(t, ir.Body, tc.shape, tc.contains)
				return
			}
			m := mutationOf(t, resp)
			if got := m.set["x-tollgate-provider"]; got != tc.provider {
				t.Errorf("provider = %q, want %q", got, tc.provider)
			}
			sent := []byte(tc.body)
			if m.hasBody {
				sent = m.body
			}
			if got := topLevelModel(t, sent); got != tc.upstreamModel {
				t.Errorf("the upstream reads model %q, tollgate routed %q", got, tc.upstreamModel)
			}
			if tc.upstreamModel == gjson.Get(tc.body, "model").Str && m.hasBody {
				t.Errorf("body rewritten though the model is unchanged")
			}
		})
	}
}

// respond runs one request for model (an Anthropic Messages request for claude-*
// models, OpenAI Chat otherwise) whose response arrives in chunks, as Envoy sends it.
// It returns the bytes the client gets and the final dynamic metadata (nil when the
// stream did not end).
func respond(t testing.TB, f *fixture, key, model, contentType, encoding string, chunks [][]byte, eos bool) ([]byte, map[string]float64) {
	t.Helper()
	path := "/v1/chat/completions"
	if strings.HasPrefix(model, "claude-") {
		path = "/v1/messages"
	}
	body := []byte(fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":true,"messages":[]}`, model))
	ex := f.open(t)
	defer ex.close()
	ex.send(post(path, body, "x-api-key", key))
	if m := mutationOf(t, ex.send(requestBody(body))); m.set["x-tollgate-provider"] == "" {
		t.Fatal("request not routed")
	}
	hdr := []string{":status", "200", "content-type", contentType}
	if encoding != "" {
		hdr = append(hdr, "content-encoding", encoding)
	}
	hr := ex.send(responseHeaders(false, hdr...))
	if hr.GetModeOverride().GetResponseBodyMode() == extprocfilterv3.ProcessingMode_BUFFERED {
		chunks, eos = [][]byte{bytes.Join(chunks, nil)}, true
	}
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	cv := clientView{body: make([]byte, 0, n+1024)} // sized once: memory tests measure tollgate, not this
	for i, c := range chunks {
		last := eos && i == len(chunks)-1
		cv.take(t, ex.send(responseBody(c, last)), c)
	}
	if eos && len(chunks) == 0 {
		cv.take(t, ex.send(responseBody(nil, true)), nil)
	}
	return cv.body, cv.md
}

// split cuts b into pieces of n bytes.
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		k := min(n, len(b))
		out = append(out, b[:k])
		b = b[k:]
	}
	return out
}

// anthropicSSE is the SSE an Anthropic client gets for a Bedrock stream's events.
func anthropicSSE(events ...[]byte) []byte {
	var b bytes.Buffer
	for _, ev := range events {
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", gjson.GetBytes(ev, "type").Str, ev)
	}
	return b.Bytes()
}

// corruptCRC flips a bit of frame i's message CRC (its last four bytes).
func corruptCRC(frames []byte, i int) []byte {
	out := bytes.Clone(frames)
	off := 0
	for ; i > 0; i-- {
		off += int(binary.BigEndian.Uint32(out[off:]))
	}
	end := off + int(binary.BigEndian.Uint32(out[off:]))
	out[end-1] ^= 0x01
	return out
}

// gzipBomb is a gzip body whose first member is an SSE message_start and whose other
// members decode to about 1 GiB of SSE comment lines, from about 1 MB on the wire.
func gzipBomb(msgStart []byte) []byte {
	pad := gzipped(bytes.Repeat([]byte(":\n"), 512<<10)) // 1 MiB decoded
	var b bytes.Buffer
	b.Write(gzipped(msgStart))
	for range 1024 {
		b.Write(pad)
	}
	return b.Bytes()
}

// maxAlloc10MB bounds the bytes the whole process (client and gRPC included) may
// allocate while a 10 MB event streams through: about 80 MiB without -race, 170 MiB with
// it (sync.Pool drops buffers under the race detector). Re-copying the carried line on
// every chunk would cost gigabytes.
const maxAlloc10MB = 256 << 20

// memUse runs fn and reports the bytes allocated meanwhile and the live heap it left.
func memUse(fn func()) (allocated uint64, retained int64) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.GC()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc, int64(b.HeapAlloc) - int64(a.HeapAlloc)
}

// TestBadResponseInput: responses that are cut, corrupt, hostile or oddly chunked pass
// through to the client (or, translated, end with an error event) with the usage seen
// recorded; metering stops at its limits without touching the client's stream; memory
// and goroutines stay bounded.
func TestBadResponseInput(t *testing.T) {
	isolateCloud(t, "AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST", "AWS_SECRET_ACCESS_KEY", "aws-SECRET-static-key")
	f := newWiredFixture(t, &syncBuffer{})
	warmUp(t, f)
	base := runtime.NumGoroutine()

	_, anthropicBody := fixtureNamed(t, "anthropic_stream")
	_, openaiBody := fixtureNamed(t, "openai_chat_stream")
	frames, events := bedrockStream(t)
	msgStart := []byte(anthropicStream[:strings.Index(anthropicStream, "event: content_block_delta")])
	cutAnthropic := anthropicBody[:bytes.Index(anthropicBody, []byte("event: message_delta"))+30]
	gz := gzipped(anthropicBody)
	tenMB := []byte(string(msgStart) + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" +
		strings.Repeat("a", 10<<20) + "\"}}\n\n" + anthropicStream[strings.Index(anthropicStream, "event: message_delta"):])
	firstLen := len(firstFrame(frames))

	type tokens struct{ input, cacheRead, output float64 }
	sse, events_ := "text/event-stream", "application/vnd.amazon.eventstream"
	tests := []struct {
		name, model, contentType, encoding string
		chunks                             [][]byte
		eos                                bool
		want                               tokens
		meterErr                           string // the tollgate_metering_errors_total reason, "" none
		client                             []byte // what the client gets; nil = the chunks unchanged
		clientEndsWithError                bool   // a translated stream ends with an Anthropic error event
		maxAlloc                           uint64 // bytes allocated while serving it; 0 = not measured
	}{
		{name: "SSE cut inside the last event", model: "claude-opus-4-7", contentType: sse,
			chunks: [][]byte{cutAnthropic}, eos: true, want: tokens{18, 12288, 1}},
		{name: "gzip SSE cut in half", model: "claude-opus-4-7", contentType: sse, encoding: "gzip",
			chunks: [][]byte{gz[:len(gz)/2]}, eos: true, want: tokens{18, 12288, 1}},
		{name: "corrupt gzip", model: "claude-opus-4-7", contentType: sse, encoding: "gzip",
			chunks: [][]byte{append(gzipped(msgStart)[:40:40], bytes.Repeat([]byte{0xff}, 64)...)}, eos: true, meterErr: "malformed"},
		{name: "unknown content-encoding", model: "claude-opus-4-7", contentType: sse, encoding: "zstd",
			chunks: [][]byte{[]byte("\x28\xb5\x2f\xfd")}, eos: true, meterErr: "unsupported_encoding"},
		{name: "invalid UTF-8 in streamed text", model: "claude-opus-4-7", contentType: sse,
			chunks: [][]byte{[]byte(strings.Replace(anthropicStream, `"text":"hi"`, "\"text\":\"h\xff\xfe\xc3\x28i\"", 1))}, eos: true,
			want: tokens{1000, 2000, 500}},
		{name: "invalid UTF-8 in an OpenAI stream", model: "gpt-4.1", contentType: sse,
			chunks: [][]byte{bytes.Replace(openaiBody, []byte(`"content":"`), []byte("\"content\":\"\xff\xfe"), -1)}, eos: true,
			want: tokens{230, 1920, 412}},
		{name: "not JSON in a JSON response", model: "gpt-4.1", contentType: "application/json",
			chunks: [][]byte{[]byte(`{"usage":{"prompt_tokens":`)}, eos: true},
		// Skipped and counted; the message_delta after it is still metered.
		{name: "SSE line of 10 MB over max_event_size", model: "claude-opus-4-7", contentType: sse,
			chunks: split(tenMB, 64<<10), eos: true, want: tokens{1000, 2000, 500}, meterErr: "event_too_large", maxAlloc: maxAlloc10MB},
		{name: "gzip bomb", model: "claude-opus-4-7", contentType: sse, encoding: "gzip",
			chunks: split(gzipBomb(msgStart), 64<<10), eos: true, want: tokens{1000, 2000, 1}, meterErr: "decoded_too_large", maxAlloc: 64 << 20},
		{name: "Anthropic SSE 1 byte per message", model: "claude-opus-4-7", contentType: sse,
			chunks: split(anthropicBody, 1), eos: true, want: tokens{18, 12288, 342}},
		{name: "OpenAI SSE 1 byte per message", model: "gpt-4.1", contentType: sse,
			chunks: split(openaiBody, 1), eos: true, want: tokens{230, 1920, 412}},
		{name: "gzip SSE 1 byte per message", model: "claude-opus-4-7", contentType: sse, encoding: "gzip",
			chunks: split(gz, 1), eos: true, want: tokens{18, 12288, 342}},
		{name: "Bedrock event stream 1 byte per message", model: "claude-via-bedrock", contentType: events_,
			chunks: split(frames, 1), eos: true, want: tokens{12, 8192, 57}, client: anthropicSSE(events...)},
		{name: "event-stream frame with a bad message CRC", model: "claude-via-bedrock", contentType: events_,
			chunks: [][]byte{corruptCRC(frames, 1)}, eos: true, want: tokens{12, 8192, 1}, meterErr: "malformed",
			client: anthropicSSE(events[0]), clientEndsWithError: true},
		{name: "event-stream frame with a bad prelude CRC", model: "claude-via-bedrock", contentType: events_,
			chunks: func() [][]byte { b := bytes.Clone(frames); b[firstLen+9] ^= 0x80; return split(b, 100) }(), eos: true,
			want: tokens{12, 8192, 1}, meterErr: "malformed", client: anthropicSSE(events[0]), clientEndsWithError: true},
		{name: "event stream cut inside a frame", model: "claude-via-bedrock", contentType: events_,
			chunks: [][]byte{frames[:firstLen+20]}, eos: true, want: tokens{12, 8192, 1}, meterErr: "malformed",
			client: anthropicSSE(events[0]), clientEndsWithError: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := func(reason string) float64 {
				return testutil.ToFloat64(f.metrics.MeteringErrors.WithLabelValues(providerOf(tc.model), reason))
			}
			tokensBefore := func(typ string) float64 {
				return testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", tc.model, providerOf(tc.model), typ))
			}
			in0, cr0, out0, err0 := tokensBefore("input"), tokensBefore("cache_read"), tokensBefore("output"), before(tc.meterErr)
			all0 := meteringErrors(t, f)
			// The checks of the client's bytes run inside memUse, so that the body is
			// garbage by the time the retained heap is measured.
			var md map[string]float64
			alloc, retained := memUse(func() {
				var client []byte
				client, md = respond(t, f, securityClientKey, tc.model, tc.contentType, tc.encoding, tc.chunks, tc.eos)
				want := tc.client
				if want == nil {
					want = bytes.Join(tc.chunks, nil)
				}
				if !bytes.HasPrefix(client, want) {
					t.Errorf("client body differs (%d bytes, want %d)", len(client), len(want))
				}
				rest := client[min(len(want), len(client)):]
				switch {
				case tc.clientEndsWithError:
					if !bytes.HasPrefix(rest, []byte("event: error\ndata: ")) || gjson.GetBytes(rest[len("event: error\ndata: "):], "error.type").Str != "api_error" {
						t.Errorf("translated stream does not end with an Anthropic error event: %q", rest)
					}
				case len(rest) != 0:
					t.Errorf("client got %d extra bytes: %q", len(rest), rest[:min(len(rest), 200)])
				}
			})
			if md == nil {
				t.Fatal("no metadata at the end of the stream")
			}
			got := tokens{tokensBefore("input") - in0, tokensBefore("cache_read") - cr0, tokensBefore("output") - out0}
			if got != tc.want {
				t.Errorf("tokens recorded = %+v, want %+v", got, tc.want)
			}
			if md["input_tokens"] != tc.want.input || md["output_tokens"] != tc.want.output {
				t.Errorf("metadata = %v, want %+v", md, tc.want)
			}
			if d := meteringErrors(t, f) - all0; tc.meterErr == "" && d != 0 {
				t.Errorf("%v metering errors, want none", d)
			} else if tc.meterErr != "" && (d != 1 || before(tc.meterErr)-err0 != 1) {
				t.Errorf("metering errors grew by %v, {reason=%s} by %v; want 1 and 1", d, tc.meterErr, before(tc.meterErr)-err0)
			}
			if tc.maxAlloc != 0 {
				t.Logf("allocated %d MiB, retained %d KiB", alloc>>20, retained>>10)
				if alloc > tc.maxAlloc {
					t.Errorf("allocated %d MiB serving it, want at most %d MiB", alloc>>20, tc.maxAlloc>>20)
				}
				if retained > 8<<20 {
					t.Errorf("heap grew by %d MiB after the request ended", retained>>20)
				}
			}
		})
	}
	if n := testutil.CollectAndCount(f.metrics.MeteringErrors); n == 0 {
		t.Error("no metering error recorded at all")
	}
	waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
	waitGoroutines(t, base)
}

// meteringErrors is the sum of tollgate_metering_errors_total over its series.
func meteringErrors(t testing.TB, f *fixture) float64 {
	t.Helper()
	var sum float64
	for _, mf := range mustGather(t, f) {
		if mf.GetName() == "tollgate_metering_errors_total" {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// providerOf is security.yaml's provider for the models these tests use.
func providerOf(model string) string {
	switch {
	case model == "claude-via-bedrock":
		return "bedrock"
	case strings.HasPrefix(model, "claude-"):
		return "anthropic"
	default:
		return "openai"
	}
}

// TestTenMegabyteSSELineWithinTheLimit: under the default 16 MiB event limit a 10 MB
// event is metered whole, in bounded memory, and the usage after it counts.
func TestTenMegabyteSSELineWithinTheLimit(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	msgStart := anthropicStream[:strings.Index(anthropicStream, "event: content_block_delta")]
	body := []byte(msgStart + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" +
		strings.Repeat("a", 10<<20) + "\"}}\n\n" + anthropicStream[strings.Index(anthropicStream, "event: message_delta"):])
	chunks := split(body, 16<<10)
	var md map[string]float64
	alloc, retained := memUse(func() {
		var client []byte
		client, md = respond(t, f, aliceKey, "claude-opus-4-7", "text/event-stream", "", chunks, true)
		if !bytes.Equal(client, body) {
			t.Error("client body changed")
		}
	})
	t.Logf("allocated %d MiB, retained %d KiB", alloc>>20, retained>>10)
	if md["input_tokens"] != 1000 || md["output_tokens"] != 500 {
		t.Errorf("metadata = %v, want input 1000 and output 500", md)
	}
	if n := testutil.CollectAndCount(f.metrics.MeteringErrors); n != 0 {
		t.Errorf("%d metering errors", n)
	}
	if alloc > maxAlloc10MB {
		t.Errorf("allocated %d MiB for a 10 MiB event", alloc>>20)
	}
	if retained > 8<<20 {
		t.Errorf("heap grew by %d MiB after the request ended", retained>>20)
	}
}
