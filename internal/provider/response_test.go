package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/eventstream"
)

// testProviders builds one provider of every type, without I/O.
func testProviders(t *testing.T) map[string]Provider {
	t.Helper()
	out := map[string]Provider{}
	for _, cfg := range []Config{
		{Name: "a", Type: "anthropic", APIKey: "k"},
		{Name: "o", Type: "openai", APIKey: "k"},
		{Name: "z", Type: "azure_openai", APIKey: "k", APIVersion: "v1"},
		{Name: "g", Type: "gemini", APIKey: "k"},
		{Name: "v", Type: "vertex", Project: "p", Region: "global"},
		{Name: "b", Type: "bedrock", Region: "us-east-1", APIKey: "bedrock-api-key"},
	} {
		p, err := New(cfg, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		out[cfg.Type] = p
	}
	if len(out) != len(Types()) {
		t.Fatalf("built %d provider types, %d are registered", len(out), len(Types()))
	}
	return out
}

// planShape is a plan without its functions, for comparison.
type planShape struct {
	Body     BodyAction
	Stream   bool
	Upstream api.Kind
	Set      string
	Remove   string
	Funcs    string
}

func shapeOf(p ResponsePlan) planShape {
	s := planShape{Body: p.Body, Stream: p.Stream, Upstream: p.Upstream, Remove: strings.Join(p.RemoveHeaders, ",")}
	for _, h := range p.SetHeaders {
		s.Set += h.Key + "=" + h.Value + ";"
	}
	if p.Translator != nil {
		s.Funcs += "translator "
	}
	if p.Reshape != nil {
		s.Funcs += "reshape"
	}
	return s
}

var (
	meterStream = planShape{Body: BodyMeter, Stream: true}
	meterWhole  = planShape{Body: BodyMeter}
	pass        = planShape{}
)

func TestDefaultPlan(t *testing.T) {
	tests := []struct {
		name string
		r    Response
		want planShape
	}{
		{"SSE", Response{Client: api.AnthropicMessages, Status: 200, ContentType: "text/event-stream"}, meterStream},
		{"SSE with parameters", Response{Client: api.OpenAIChat, Status: 200, ContentType: "Text/Event-Stream; charset=utf-8"}, meterStream},
		{"gzip SSE", Response{Client: api.OpenAIChat, Status: 200, ContentType: "text/event-stream", ContentEncoding: "gzip"}, meterStream},
		{"JSON", Response{Client: api.OpenAIResponses, Status: 200, ContentType: "application/json"}, meterWhole},
		{"+json", Response{Client: api.OpenAIChat, Status: 200, ContentType: "application/vnd.api+json"}, meterWhole},
		{"event stream", Response{Client: api.BedrockInvokeStream, Status: 200, ContentType: "application/vnd.amazon.eventstream"}, meterStream},
		{"encoded event stream", Response{Client: api.BedrockInvokeStream, Status: 200, ContentType: "application/vnd.amazon.eventstream", ContentEncoding: "gzip"}, meterStream},
		{"error", Response{Client: api.AnthropicMessages, Status: 429, ContentType: "application/json"}, pass},
		{"token count", Response{Client: api.AnthropicCountTokens, Status: 200, ContentType: "application/json"}, pass},
		{"text", Response{Client: api.OpenAIChat, Status: 200, ContentType: "text/plain"}, pass},
		{"no content type", Response{Client: api.OpenAIChat, Status: 200}, pass},
	}
	provs := testProviders(t)
	for _, tc := range tests {
		if got := shapeOf(DefaultPlan(tc.r)); got != tc.want {
			t.Errorf("%s: DefaultPlan = %+v, want %+v", tc.name, got, tc.want)
		}
		for typ, p := range provs {
			if typ == "bedrock" {
				continue
			}
			if got := shapeOf(p.PlanResponse(tc.r)); got != tc.want {
				t.Errorf("%s: %s plans %+v, want the default %+v", tc.name, typ, got, tc.want)
			}
		}
	}
}

func TestBedrockPlans(t *testing.T) {
	p := testProviders(t)["bedrock"]
	const es, js = "application/vnd.amazon.eventstream", "application/json"
	translate := planShape{Body: BodyTranslate, Stream: true, Upstream: api.BedrockInvokeStream,
		Set: "content-type=text/event-stream;", Remove: "content-length", Funcs: "translator "}
	reshape := planShape{Body: BodyReshape, Funcs: "reshape"}
	tests := []struct {
		name string
		r    Response
		want planShape
		// For a reshape: the body and what the client gets ("" = unchanged).
		body, client string
	}{
		{"Messages stream", Response{Client: api.AnthropicMessages, Status: 200, ContentType: es}, translate, "", ""},
		{"encoded Messages stream", Response{Client: api.AnthropicMessages, Status: 200, ContentType: es, ContentEncoding: "gzip"},
			planShape{Body: BodyTranslate, Stream: true, Upstream: api.BedrockInvokeStream,
				Set: "content-type=text/event-stream;", Remove: "content-length,content-encoding", Funcs: "translator "}, "", ""},
		{"native stream", Response{Client: api.BedrockInvokeStream, Status: 200, ContentType: es}, meterStream, "", ""},
		{"Messages JSON", Response{Client: api.AnthropicMessages, Status: 200, ContentType: js}, meterWhole, "", ""},
		{"Messages error", Response{Client: api.AnthropicMessages, Status: 429, ContentType: js}, reshape,
			`{"message":"slow down"}`, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`},
		{"native error", Response{Client: api.BedrockInvoke, Status: 429, ContentType: js}, reshape, `{"message":"slow down"}`, ""},
		{"error not JSON", Response{Client: api.AnthropicMessages, Status: 502, ContentType: "text/html"}, pass, "", ""},
		{"count_tokens", Response{Client: api.AnthropicCountTokens, Status: 200, ContentType: js}, reshape,
			`{"inputTokens":42}`, `{"input_tokens":42}`},
		{"native count-tokens", Response{Client: api.BedrockCountTokens, Status: 200, ContentType: js}, pass, "", ""},
	}
	for _, tc := range tests {
		plan := p.PlanResponse(tc.r)
		if got := shapeOf(plan); got != tc.want {
			t.Errorf("%s: plan %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		if plan.Reshape != nil {
			if got := string(plan.Reshape([]byte(tc.body))); got != tc.client {
				t.Errorf("%s: reshaped %q, want %q", tc.name, got, tc.client)
			}
		}
	}
}

// recordingSink is an EventSink that keeps what it is given.
type recordingSink struct {
	events []string
	fails  []error
}

func (s *recordingSink) Event(name string, data []byte) {
	s.events = append(s.events, name+string(data))
}
func (s *recordingSink) Body([]byte)    { panic("a stream translator passed a whole body") }
func (s *recordingSink) Fail(err error) { s.fails = append(s.fails, err) }

// TestBedrockTranslatorFeedsTheMeter: the translator decodes once; the sink gets every
// upstream event as Bedrock sent it, and one Fail when the stream stops decoding.
func TestBedrockTranslatorFeedsTheMeter(t *testing.T) {
	raw, err := os.ReadFile("../../llm/eventstream/testdata/stream_events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var frames bytes.Buffer
	for _, ev := range events {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(ev))})
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := awses.NewEncoder().Encode(&frames, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	plan := testProviders(t)["bedrock"].PlanResponse(Response{Client: api.AnthropicMessages, Status: 200, ContentType: api.MediaEventStream})

	sink := &recordingSink{}
	tr := plan.Translator(sink)
	var client bytes.Buffer
	all := frames.Bytes()
	for i := 0; i < len(all); i += 50 {
		out, err := tr.Translate(all[i:min(i+50, len(all))], i+50 >= len(all))
		if err != nil {
			t.Fatal(err)
		}
		client.Write(out)
	}
	if strings.Join(sink.events, "\n") != strings.Join(events, "\n") || len(sink.fails) != 0 {
		t.Errorf("sink got %d events (want %d), fails %v", len(sink.events), len(events), sink.fails)
	}
	if n := strings.Count(client.String(), "\nevent: ") + 1; n != len(events) || !strings.HasPrefix(client.String(), "event: message_start\ndata: ") {
		t.Errorf("client got %d events, want %d", n, len(events))
	}

	sink = &recordingSink{}
	tr = plan.Translator(sink)
	out, err := tr.Translate(all[:len(all)-5], true)
	if !errors.Is(err, eventstream.ErrTruncated) || !bytes.Contains(out, []byte("event: error\ndata: ")) {
		t.Fatalf("cut stream: %v, %q", err, out)
	}
	tr.Translate([]byte("x"), true)
	if len(sink.fails) != 1 || !errors.Is(sink.fails[0], eventstream.ErrTruncated) || len(sink.events) != len(events)-1 {
		t.Errorf("cut stream: sink fails %v, %d events", sink.fails, len(sink.events))
	}
}

func TestGenAINames(t *testing.T) {
	want := map[string]string{"anthropic": "anthropic", "openai": "openai", "azure_openai": "azure.ai.openai",
		"gemini": "gcp.gemini", "vertex": "gcp.vertex_ai", "bedrock": "aws.bedrock"}
	for typ, p := range testProviders(t) {
		if got := p.GenAIName(); got != want[typ] {
			t.Errorf("%s: GenAIName %q, want %q", typ, got, want[typ])
		}
	}
}
