package extproc_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/tollgate/tollgate/llm/usage"
)

func bedrockEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETOLLGATE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-example-key")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
}

// bedrockStream encodes the recorded Anthropic events as Bedrock chunk frames.
func bedrockStream(t *testing.T) (frames []byte, events [][]byte) {
	data, err := os.ReadFile("../llm/eventstream/testdata/stream_events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		events = append(events, line)
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(line)})
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":content-type", awses.StringValue("application/json"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := awses.NewEncoder().Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes(), events
}

var bedrockUsage = usage.Usage{Input: 12, Output: 57, CacheRead: 8192, CacheWrite: 2048}

// TestBedrockStreamTranslatedForAnthropicClients: an Anthropic-API client routed to
// Bedrock gets the event stream as Anthropic SSE, whatever the chunking, and the usage
// is metered.
func TestBedrockStreamTranslatedForAnthropicClients(t *testing.T) {
	bedrockEnv(t)
	f := newFixture(t, "testdata/cloud.yaml")
	frames, events := bedrockStream(t)
	var want bytes.Buffer
	for _, ev := range events {
		var head struct{ Type string }
		json.Unmarshal(ev, &head)
		want.WriteString("event: " + head.Type + "\ndata: ")
		want.Write(ev)
		want.WriteString("\n\n")
	}
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	for cut := 0; cut <= len(frames); cut += 7 {
		ex := f.open(t)
		ex.send(post("/v1/messages", body, "anthropic-beta", "interleaved-thinking-2025-05-14"))
		m := mutationOf(t, ex.send(requestBody(body)))
		if cut == 0 {
			if got := m.set[":path"]; got != "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream" {
				t.Errorf(":path = %q", got)
			}
			if !strings.HasPrefix(m.set["authorization"], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETOLLGATE/") {
				t.Errorf("authorization = %q", m.set["authorization"])
			}
			if !strings.Contains(string(m.body), `"anthropic_beta":["interleaved-thinking-2025-05-14"]`) || strings.Contains(string(m.body), `"model"`) {
				t.Errorf("body = %s", m.body)
			}
		}
		hr := ex.send(responseHeaders(false, ":status", "200", "content-type", "application/vnd.amazon.eventstream"))
		if hr.GetModeOverride().GetResponseBodyMode() != extprocfilterv3.ProcessingMode_STREAMED {
			t.Fatalf("mode %v", hr.GetModeOverride())
		}
		hm := mutationOf(t, hr)
		if hm.set["content-type"] != "text/event-stream" || !hm.removed["content-length"] {
			t.Fatalf("response headers not switched to SSE: %+v", hm)
		}
		var client []byte
		var md map[string]float64
		for i, c := range [][]byte{frames[:cut], frames[cut:], nil} {
			resp := ex.send(responseBody(c, i == 2))
			client = append(client, resp.GetResponseBody().GetResponse().GetBodyMutation().GetBody()...)
			if d := resp.GetDynamicMetadata(); d != nil {
				md = map[string]float64{}
				for k, v := range d.Fields["tollgate"].GetStructValue().GetFields() {
					md[k] = v.GetNumberValue()
				}
			}
		}
		ex.close()
		if !bytes.Equal(client, want.Bytes()) {
			t.Fatalf("cut %d: client SSE differs:\n%s", cut, client)
		}
		checkMetadata(t, "bedrock", md, bedrockUsage)
		if t.Failed() {
			return
		}
	}
	// The translated stream is valid SSE with one event per frame.
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(want.Bytes()))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: ") {
			n++
		}
	}
	if n != len(events) {
		t.Errorf("%d events, want %d", n, len(events))
	}
}

// TestBedrockNativePassThrough: Claude Code in Bedrock mode sends a global. id in the
// path; it is routed like a body model, re-pathed to the jp. profile, and the event
// stream reaches it unchanged while being metered.
func TestBedrockNativePassThrough(t *testing.T) {
	bedrockEnv(t)
	f := newFixture(t, "testdata/cloud.yaml")
	frames, _ := bedrockStream(t)
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`)
	ex := f.open(t)
	ex.send(post("/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream", body,
		"authorization", "AWS4-HMAC-SHA256 Credential=CLIENT/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc"))
	m := mutationOf(t, ex.send(requestBody(body)))
	if got := m.set[":path"]; got != "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream" {
		t.Errorf(":path = %q", got)
	}
	if strings.Contains(m.set["authorization"], "CLIENT") {
		t.Error("the client's signature went upstream")
	}
	hr := ex.send(responseHeaders(false, ":status", "200", "content-type", "application/vnd.amazon.eventstream"))
	if mutationOf(t, hr).set["content-type"] != "" {
		t.Error("native client's content-type changed")
	}
	var md map[string]float64
	for i := 0; i < len(frames); i += 100 {
		resp := ex.send(responseBody(frames[i:min(i+100, len(frames))], false))
		if resp.GetResponseBody().GetResponse().GetBodyMutation() != nil {
			t.Fatal("native client's stream was changed")
		}
	}
	resp := ex.send(responseBody(nil, true))
	for k, v := range resp.GetDynamicMetadata().Fields["tollgate"].GetStructValue().GetFields() {
		if md == nil {
			md = map[string]float64{}
		}
		md[k] = v.GetNumberValue()
	}
	ex.close()
	checkMetadata(t, "native", md, bedrockUsage)
}

func TestBedrockCountTokensAndErrorsReshaped(t *testing.T) {
	bedrockEnv(t)
	f := newFixture(t, "testdata/cloud.yaml")
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"hi"}]}`)

	ex := f.open(t)
	ex.send(post("/v1/messages/count_tokens", body))
	m := mutationOf(t, ex.send(requestBody(body)))
	if got := m.set[":path"]; got != "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens" {
		t.Errorf(":path = %q", got)
	}
	ex.send(responseHeaders(false, ":status", "200", "content-type", "application/json"))
	out := mutationOf(t, ex.send(responseBody([]byte(`{"inputTokens":42}`), true)))
	ex.close()
	if string(out.body) != `{"input_tokens":42}` {
		t.Errorf("count_tokens answer = %s", out.body)
	}

	ex = f.open(t)
	ex.send(post("/v1/messages", body))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "429", "content-type", "application/json"))
	out = mutationOf(t, ex.send(responseBody([]byte(`{"message":"Too many requests, please wait before trying again."}`), true)))
	ex.close()
	var e struct {
		Type  string
		Error struct{ Type, Message string }
	}
	if err := json.Unmarshal(out.body, &e); err != nil || e.Type != "error" || e.Error.Type != "rate_limit_error" || !strings.Contains(e.Error.Message, "Too many") {
		t.Errorf("error body = %s", out.body)
	}
}

// TestBedrockCatalogProbes: the control-plane listings a Bedrock-native client may probe
// are answered with the exact models served by Bedrock providers.
func TestBedrockCatalogProbes(t *testing.T) {
	bedrockEnv(t)
	f := newFixture(t, "testdata/cloud.yaml")
	for path, field := range map[string]string{"/inference-profiles": "inferenceProfileSummaries", "/foundation-models": "modelSummaries"} {
		ex := f.open(t)
		ir := immediateOf(t, ex.send(requestHeaders(true, ":method", "GET", ":path", path+"?typeEquals=SYSTEM_DEFINED")))
		ex.close()
		var got map[string][]map[string]any
		if err := json.Unmarshal(ir.Body, &got); err != nil || ir.Status.Code != 200 {
			t.Fatalf("%s: %d %s", path, ir.Status.Code, ir.Body)
		}
		if len(got[field]) != 1 {
			t.Errorf("%s: %s", path, ir.Body)
		}
	}
}
