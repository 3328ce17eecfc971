package gateway

import (
	"context"
	"encoding/json"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"os"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// dayOneConfig is the README's day-one recipe: a family rule with a {model} template.
const dayOneConfig = `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
providers:
  - name: anthropic
    type: anthropic
    api_key: sk-ant-provider
models:
  - match: claude-sonnet-4-5-20250929
    provider: anthropic
  - match: "claude-*"
    provider: anthropic
    upstream_model: "{model}"
`

type client struct {
	t    *testing.T
	proc extprocv3.ExternalProcessorClient
}

// do plays Envoy's side of one request's stream (internal/envoysim/filter, the one
// implementation the stand-in, bench and the extproc tests share): one reply per
// message, stopping at an immediate response.
func (c client) do(msgs ...*extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
	c.t.Helper()
	s := filter.NewStream(nil, c.proc)
	s.Begin(context.Background())
	var out []*extprocv3.ProcessingResponse
	for _, m := range msgs {
		r, fail := s.Call(m)
		if fail != nil {
			c.t.Fatal(fail)
		}
		if r == nil {
			break
		}
		out = append(out, r)
		if r.GetImmediateResponse() != nil {
			break
		}
	}
	if err := s.Close(5 * time.Second); err != nil {
		c.t.Fatal(err)
	}
	return out
}

func headers(end bool, kv ...string) *extprocv3.ProcessingRequest {
	m := &corev3.HeaderMap{}
	for i := 0; i < len(kv); i += 2 {
		m.Headers = append(m.Headers, &corev3.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
	}
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: m, EndOfStream: end}}}
}

// messages is one streamed /v1/messages exchange for model with the given usage.
func messages(model string) []*extprocv3.ProcessingRequest {
	body := []byte(`{"model":"` + model + `","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	sse := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1000,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":200}}\n\n"
	resp := &corev3.HeaderMap{Headers: []*corev3.HeaderValue{{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte("text/event-stream")}}}
	return []*extprocv3.ProcessingRequest{
		headers(false, ":method", "POST", ":path", "/v1/messages"),
		{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: true}}},
		{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{Headers: resp}}},
		{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: []byte(sse)}}},
		{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{EndOfStream: true}}},
	}
}

// TestDayOneModel proves the README recipe step by step.
func TestDayOneModel(t *testing.T) {
	g, path, _, _, _ := start(t, dayOneConfig)
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := client{t, extprocv3.NewExternalProcessorClient(conn)}
	const model = "claude-nextgen-9-20261126" // a model the config never names

	// 1. The family rule serves it, and the upstream model is the client's.
	replies := c.do(messages(model)...)
	var provider, upstream string
	for _, h := range replies[1].GetRequestBody().GetResponse().GetHeaderMutation().GetSetHeaders() {
		if h.Header.Key == "x-tollgate-provider" {
			provider = string(h.Header.RawValue)
		}
	}
	md := replies[4].GetDynamicMetadata().Fields["tollgate"].GetStructValue().Fields
	upstream = md["upstream_model"].GetStringValue()
	if provider != "anthropic" || upstream != model {
		t.Fatalf("routed to %q as %q", provider, upstream)
	}

	// 2. GET /v1/models lists the exact names only.
	ir := c.do(headers(true, ":method", "GET", ":path", "/v1/models"))[0].GetImmediateResponse()
	var list struct{ Data []struct{ ID string } }
	if err := json.Unmarshal(ir.GetBody(), &list); err != nil || len(list.Data) != 1 || list.Data[0].ID != "claude-sonnet-4-5-20250929" {
		t.Fatalf("/v1/models = %s", ir.GetBody())
	}

	// 3. Its usage is counted, and shows as unpriced: no cost is invented.
	if got := testutil.ToFloat64(g.metrics.UnpricedTokens.WithLabelValues(model, "anthropic")); got != 1200 {
		t.Errorf("unpriced tokens = %v, want 1200", got)
	}
	if _, priced := md["cost_usd"]; priced {
		t.Error("an unpriced model got a cost")
	}

	// 4. Once a price exists (here an override, reloaded without a restart), it is priced.
	priced := dayOneConfig + "pricing:\n  overrides:\n    " + model + ":\n      input: 3\n      output: 15\n"
	if err := os.WriteFile(path, []byte(priced), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	replies = c.do(messages(model)...)
	cost := replies[4].GetDynamicMetadata().Fields["tollgate"].GetStructValue().Fields["cost_usd"].GetNumberValue()
	if want := (1000*3.0 + 200*15.0) / 1e6; cost != want {
		t.Errorf("cost = %v, want %v", cost, want)
	}
	if got := testutil.ToFloat64(g.metrics.UnpricedTokens.WithLabelValues(model, "anthropic")); got != 1200 {
		t.Errorf("unpriced tokens grew to %v after the price arrived", got)
	}
	if !strings.Contains(string(ir.GetBody()), `"object":"list"`) {
		t.Error("not OpenAI's list shape")
	}
}

// TestInFlightStreamKeepsItsConfig: a reload lands between a request's headers and its
// body; that request is still routed by the config it started with, the next by the new.
func TestInFlightStreamKeepsItsConfig(t *testing.T) {
	g, path, _, _, _ := start(t, dayOneConfig)
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	proc := extprocv3.NewExternalProcessorClient(conn)
	msgs := messages("claude-nextgen-9")

	s := filter.NewStream(nil, proc)
	s.Begin(context.Background())
	if _, fail := s.Call(msgs[0]); fail != nil {
		t.Fatal(fail)
	}
	moved := strings.Replace(dayOneConfig, "  - name: anthropic\n    type: anthropic\n    api_key: sk-ant-provider\n",
		"  - name: anthropic\n    type: anthropic\n    api_key: sk-ant-provider\n  - name: anthropic-eu\n    type: anthropic\n    api_key: sk-ant-eu\n", 1)
	moved = strings.Replace(moved, "    provider: anthropic\n    upstream_model: \"{model}\"", "    provider: anthropic-eu\n    upstream_model: \"{model}\"", 1)
	if err := os.WriteFile(path, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	r, fail := s.Call(msgs[1])
	if fail != nil {
		t.Fatal(fail)
	}
	s.Cancel()
	provider := func(r *extprocv3.ProcessingResponse) string {
		for _, h := range r.GetRequestBody().GetResponse().GetHeaderMutation().GetSetHeaders() {
			if h.Header.Key == "x-tollgate-provider" {
				return string(h.Header.RawValue)
			}
		}
		return ""
	}
	if got := provider(r); got != "anthropic" {
		t.Errorf("in-flight request routed to %q, want the old config's anthropic", got)
	}
	c := client{t, proc}
	if got := provider(c.do(msgs[:2]...)[1]); got != "anthropic-eu" {
		t.Errorf("next request routed to %q, want the new config's anthropic-eu", got)
	}
}
