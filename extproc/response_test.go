package extproc_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

// requestFor is the path and body of a request of API kind k, routed by core.yaml.
func requestFor(k api.Kind) (path, model string) {
	switch k {
	case api.OpenAIChat:
		return "/v1/chat/completions", "gpt-4.1"
	case api.OpenAIResponses:
		return "/v1/responses", "gpt-5.2"
	case api.GeminiGenerateContent:
		return "/v1beta/models/gemini-2.5-pro:generateContent", "gemini-2.5-pro"
	case api.GeminiStreamGenerateContent:
		return "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", "gemini-2.5-pro"
	default:
		return "/v1/messages", "claude-opus-4-7"
	}
}

// replay runs one request whose response body arrives in the given chunks, and returns
// the bytes the client would see, the final dynamic metadata and the body mode chosen.
func replay(t testing.TB, f *fixture, k api.Kind, contentType, encoding string, chunks [][]byte, endOfStream bool) ([]byte, map[string]float64, extprocfilterv3.ProcessingMode_BodySendMode) {
	t.Helper()
	path, model := requestFor(k)
	body := []byte(fmt.Sprintf(`{"model":%q,"stream":true}`, model))
	ex := f.open(t)
	defer ex.close()
	ex.send(post(path, body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	hdr := []string{":status", "200", "content-type", contentType}
	if encoding != "" {
		hdr = append(hdr, "content-encoding", encoding)
	}
	hr := ex.send(responseHeaders(false, hdr...))
	mode := hr.GetModeOverride().GetResponseBodyMode()
	var cv clientView
	if mode == extprocfilterv3.ProcessingMode_BUFFERED {
		whole := bytes.Join(chunks, nil)
		cv.take(t, ex.send(responseBody(whole, true)), whole)
		return cv.body, cv.md, mode
	}
	for _, c := range chunks {
		cv.take(t, ex.send(responseBody(c, false)), c)
	}
	if endOfStream {
		cv.take(t, ex.send(responseBody(nil, true)), nil)
	}
	return cv.body, cv.md, mode
}

func wantMetadata(u usage.Usage) map[string]float64 {
	return map[string]float64{"input_tokens": float64(u.Input), "output_tokens": float64(u.Output),
		"cache_read_tokens": float64(u.CacheRead), "cache_write_tokens": float64(u.CacheWrite)}
}

func checkMetadata(t testing.TB, name string, got map[string]float64, u usage.Usage) {
	t.Helper()
	for k, v := range wantMetadata(u) {
		if got[k] != v {
			t.Errorf("%s: metadata %s = %v, want %v", name, k, got[k], v)
		}
	}
}

// TestFixturesSplitAtEveryOffset replays each recorded response through the gRPC server
// split in two at every byte offset: the counts never change and the client sees the
// body unchanged.
func TestFixturesSplitAtEveryOffset(t *testing.T) {
	fixtures, err := usagetest.Load(usagetest.Dir())
	if err != nil || len(fixtures) == 0 {
		t.Fatal(err)
	}
	f := newFixture(t, "testdata/core.yaml")
	for _, fx := range fixtures {
		t.Run(fx.Name, func(t *testing.T) {
			body, err := fx.Body()
			if err != nil {
				t.Fatal(err)
			}
			step := 1
			if testing.Short() {
				step = 17
			}
			for cut := 0; cut <= len(body); cut += step {
				got, md, mode := replay(t, f, fx.Kind, fx.ContentType, "", [][]byte{body[:cut], body[cut:]}, true)
				if !bytes.Equal(got, body) {
					t.Fatalf("cut %d: client body changed", cut)
				}
				wantMode := extprocfilterv3.ProcessingMode_STREAMED
				if strings.HasPrefix(fx.ContentType, "application/json") {
					wantMode = extprocfilterv3.ProcessingMode_BUFFERED
				}
				if mode != wantMode {
					t.Fatalf("mode %v, want %v", mode, wantMode)
				}
				checkMetadata(t, fmt.Sprintf("cut %d", cut), md, fx.Usage)
				if t.Failed() {
					return
				}
			}
		})
	}
}

func TestGzipStream(t *testing.T) {
	fixtures, _ := usagetest.Load(usagetest.Dir())
	f := newFixture(t, "testdata/core.yaml")
	for _, fx := range fixtures {
		if fx.ContentType != "text/event-stream" {
			continue
		}
		body, _ := fx.Body()
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		var chunks [][]byte
		for b := z.Bytes(); len(b) > 0; {
			n := min(13, len(b))
			chunks = append(chunks, b[:n])
			b = b[n:]
		}
		got, md, _ := replay(t, f, fx.Kind, fx.ContentType, "gzip", chunks, true)
		if !bytes.Equal(got, z.Bytes()) {
			t.Errorf("%s: compressed body changed on its way to the client", fx.Name)
		}
		checkMetadata(t, fx.Name, md, fx.Usage)
	}
}

// TestInterruptedStreamRecordsUsage cuts a stream after message_start: the stream ends
// without end_of_stream, yet the input tokens seen are recorded and the stream counted.
func TestInterruptedStreamRecordsUsage(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	stream := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-opus-4-7\",\"usage\":{\"input_tokens\":120,\"cache_read_input_tokens\":30,\"output_tokens\":1}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n"
	_, md, _ := replay(t, f, api.AnthropicMessages, "text/event-stream", "", [][]byte{[]byte(stream)}, false)
	if md != nil {
		t.Fatal("metadata sent before the end")
	}
	// replay's deferred close ended the stream without end_of_stream.
	waitForCount(t, func() float64 {
		return testutil.ToFloat64(f.metrics.StreamsInterrupted.WithLabelValues("claude-opus-4-7", "anthropic"))
	}, 1)
	if got := testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", "claude-opus-4-7", "anthropic", "input")); got != 120 {
		t.Errorf("input tokens = %v, want 120", got)
	}
	if got := testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", "claude-opus-4-7", "anthropic", "cache_read")); got != 30 {
		t.Errorf("cache_read tokens = %v, want 30", got)
	}
}

// TestRepeatedEndOfStream: Envoy may deliver the final chunk twice; usage counts once.
func TestRepeatedEndOfStream(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	fixtures, _ := usagetest.Load(usagetest.Dir())
	for _, fx := range fixtures {
		if fx.Name != "openai_chat_stream" {
			continue
		}
		body, _ := fx.Body()
		path, model := requestFor(fx.Kind)
		req := []byte(fmt.Sprintf(`{"model":%q,"stream":true}`, model))
		ex := f.open(t)
		ex.send(post(path, req, "x-api-key", aliceKey))
		ex.send(requestBody(req))
		ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
		ex.send(responseBody(body, false))
		first := ex.send(responseBody(nil, true))
		second := ex.send(responseBody(nil, true))
		ex.close()
		if first.GetDynamicMetadata() == nil || second.GetDynamicMetadata() != nil || second.GetResponseBody() == nil {
			t.Error("end of stream not handled exactly once")
		}
		if got := testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", "gpt-4.1", "openai", "output")); got != float64(fx.Usage.Output) {
			t.Errorf("output tokens = %v, want %d", got, fx.Usage.Output)
		}
		if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "gpt-4.1", "openai", "200")); got != 1 {
			t.Errorf("requests = %v, want 1", got)
		}
	}
}

// TestUpstreamErrorRecordsCode: an error status is a request with that code and no tokens.
func TestUpstreamErrorRecordsCode(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	body := []byte(`{"model":"claude-opus-4-7"}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	hr := ex.send(responseHeaders(false, ":status", "529", "content-type", "application/json"))
	ex.close()
	if hr.GetModeOverride() != nil {
		t.Errorf("error body requested: %v", hr.GetModeOverride())
	}
	if hr.GetDynamicMetadata() == nil {
		t.Error("no metadata for a finished error response")
	}
	if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "claude-opus-4-7", "anthropic", "529")); got != 1 {
		t.Errorf("requests{code=529} = %v", got)
	}
	if n := testutil.CollectAndCount(f.metrics.Tokens); n != 0 {
		t.Errorf("%d token series after an error", n)
	}
}

// TestMetricSumsAndLint: after every fixture once, the token counters equal the sum of
// the fixtures' usage, and the exposition passes promlint.
func TestMetricSumsAndLint(t *testing.T) {
	fixtures, _ := usagetest.Load(usagetest.Dir())
	f := newFixture(t, "testdata/core.yaml")
	var want usage.Usage
	for _, fx := range fixtures {
		body, _ := fx.Body()
		replay(t, f, fx.Kind, fx.ContentType, "", [][]byte{body}, true)
		want.Input += fx.Usage.Input
		want.Output += fx.Usage.Output
		want.CacheRead += fx.Usage.CacheRead
		want.CacheWrite += fx.Usage.CacheWrite
		want.Reasoning += fx.Usage.Reasoning
	}
	sum := func(typ string) float64 {
		var s float64
		for _, m := range []string{"gpt-4.1", "gpt-5.2", "claude-opus-4-7", "gemini-2.5-pro"} {
			for _, p := range []string{"openai", "anthropic", "gemini"} {
				s += testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", m, p, typ))
			}
		}
		return s
	}
	for typ, n := range map[string]int64{"input": want.Input, "output": want.Output, "cache_read": want.CacheRead, "cache_write": want.CacheWrite} {
		if got := sum(typ); got != float64(n) {
			t.Errorf("sum of %s tokens = %v, want %d", typ, got, n)
		}
	}
	problems, err := promlint.NewWithMetricFamilies(mustGather(t, f)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
