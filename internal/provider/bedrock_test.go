package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

var bedrockTestNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// newEnvBedrock builds a bedrock provider whose credentials come from the environment.
func newEnvBedrock(t *testing.T, cfg Config, sessionToken string) Provider {
	t.Helper()
	bedrockIsolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENVEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env/secret+key")
	t.Setenv("AWS_SESSION_TOKEN", sessionToken)
	cfg.Type = "bedrock"
	if cfg.Name == "" {
		cfg.Name = "bedrock-test"
	}
	if cfg.Region == "" {
		cfg.Region = "ap-northeast-1"
	}
	p, err := New(cfg, Deps{Now: func() time.Time { return bedrockTestNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBedrockAnthropicClients(t *testing.T) {
	tests := []struct {
		name     string
		api      api.Kind
		stream   bool
		betas    []string
		wantPath string
	}{
		{"messages", api.AnthropicMessages, false,
			[]string{"context-1m-2025-08-07, interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14,context-1m-2025-08-07"},
			"/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"},
		{"messages_stream", api.AnthropicMessages, true, nil,
			"/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"},
		// token-counting-2024-11-01 is not a flag Bedrock takes (betas.yaml): dropped.
		{"count_tokens", api.AnthropicCountTokens, false, []string{"token-counting-2024-11-01,context-1m-2025-08-07"},
			"/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens"},
	}
	p := newEnvBedrock(t, Config{}, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := bedrockReadFile(t, "bedrock_body/"+tc.name+".in.json")
			h := http.Header{"content-type": {"application/json"}, "anthropic-version": {"2023-06-01"}}
			if tc.betas != nil {
				h["anthropic-beta"] = tc.betas
			}
			m, err := p.Prepare(context.Background(), &Request{
				API: tc.api, Method: "POST", Path: "/v1/messages", Headers: h, Body: body,
				ClientModel: "claude-sonnet-4-5", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", Stream: tc.stream,
			})
			if err != nil {
				t.Fatal(err)
			}
			if m.Path != tc.wantPath {
				t.Errorf("path = %q, want %q", m.Path, tc.wantPath)
			}
			// A stream tollgate translates is asked for uncompressed.
			identity := slices.ContainsFunc(m.SetHeaders, func(h HeaderValue) bool { return h.Key == "accept-encoding" && h.Value == "identity" })
			if identity != tc.stream {
				t.Errorf("accept-encoding identity set: %v, want %v", identity, tc.stream)
			}
			for _, k := range []string{"anthropic-beta", "anthropic-version"} {
				if !slices.Contains(m.RemoveHeaders, k) {
					t.Errorf("%s not removed: %v", k, m.RemoveHeaders)
				}
			}
			got := m.Body
			if tc.api == api.AnthropicCountTokens {
				// {"input":{"invokeModel":{"body":"<base64 of the InvokeModel body>"}}}
				inner := gjson.GetBytes(m.Body, "input.invokeModel.body")
				if !gjson.ValidBytes(m.Body) || inner.Type != gjson.String {
					t.Fatalf("count-tokens body = %s", m.Body)
				}
				if got, err = base64.StdEncoding.DecodeString(inner.Str); err != nil {
					t.Fatal(err)
				}
			}
			bedrockGolden(t, "bedrock_body/"+tc.name+".want.json", got)
		})
	}
}

func TestBedrockNativeClientsKeepBody(t *testing.T) {
	p := newEnvBedrock(t, Config{}, "")
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[]}`)
	tests := []struct {
		kind api.Kind
		op   string
	}{
		{api.BedrockInvoke, "invoke"},
		{api.BedrockInvokeStream, "invoke-with-response-stream"},
		{api.BedrockCountTokens, "count-tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			m, err := p.Prepare(context.Background(), &Request{
				API: tc.kind, Path: "/model/claude-sonnet-4-5/" + tc.op, Body: body,
				Headers:     http.Header{"x-amz-security-token": {"client-token"}, "x-amz-date": {"20200101T000000Z"}},
				ClientModel: "claude-sonnet-4-5", UpstreamModel: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-x-v1:0",
			})
			if err != nil {
				t.Fatal(err)
			}
			want := "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-x-v1%3A0/" + tc.op
			if m.Path != want || string(m.Body) != string(body) {
				t.Fatalf("path %q body %s; want %q and the body unchanged", m.Path, m.Body, want)
			}
			if !slices.Contains(m.RemoveHeaders, "x-amz-security-token") || bedrockHeader(m, "x-amz-security-token") != "" {
				t.Fatalf("the client's session token must go: remove %v set %v", m.RemoveHeaders, m.SetHeaders)
			}
		})
	}
}

// TestBedrockSignature recomputes each signature from the mutation's own path, body and
// headers, both by hand and with the SDK signer, for ids with ":" and "/".
func TestBedrockSignature(t *testing.T) {
	ids := []string{
		"anthropic.claude-3-5-haiku-20241022-v1:0",
		"arn:aws:bedrock:ap-northeast-1:123456789012:application-inference-profile/a1b2c3 d4",
		"plain-id",
	}
	bodies := []string{
		`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"ünïcødé \u2603 ` + "\t" + `"}],"stream":true}`,
	}
	for _, token := range []string{"", "session/token+value=="} {
		p := newEnvBedrock(t, Config{Region: "eu-west-3"}, token)
		for _, id := range ids {
			for i, body := range bodies {
				t.Run(id+"/"+strconv.Itoa(i)+"/token="+strconv.FormatBool(token != ""), func(t *testing.T) {
					m, err := p.Prepare(context.Background(), &Request{
						API: api.AnthropicMessages, Headers: http.Header{}, Body: []byte(body),
						UpstreamModel: id, Stream: gjson.Get(body, "stream").Bool(),
					})
					if err != nil {
						t.Fatal(err)
					}
					bedrockCheckSignature(t, m, "bedrock-runtime.eu-west-3.amazonaws.com", "eu-west-3",
						"AKIDENVEXAMPLE", "env/secret+key", token)
				})
			}
		}
	}
}

func bedrockCheckSignature(t *testing.T, m Mutation, host, region, akid, secret, token string) {
	t.Helper()
	if got := bedrockHeader(m, "x-amz-date"); got != bedrockTestNow.Format("20060102T150405Z") {
		t.Fatalf("x-amz-date = %q", got)
	}
	if got := bedrockHeader(m, "x-amz-security-token"); got != token {
		t.Fatalf("x-amz-security-token = %q, want %q", got, token)
	}
	signed := map[string]string{
		"content-length": strconv.Itoa(len(m.Body)),
		"x-amz-date":     bedrockHeader(m, "x-amz-date"),
	}
	if token != "" {
		signed["x-amz-security-token"] = token
	}
	want := bedrockHandSigV4("POST", host, m.Path, signed, m.Body, akid, secret, region, bedrockTestNow)
	if got := bedrockHeader(m, "authorization"); got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}

	// The SDK signer, fed the request as it goes on the wire.
	u, err := url.Parse("https://" + host + m.Path)
	if err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Method: "POST", URL: u, Host: host, Header: http.Header{}, ContentLength: int64(len(m.Body))}
	sum := bedrockSHA256Hex(m.Body)
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sum, "bedrock", region, bedrockTestNow); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("SDK signature of the wire request differs:\n sdk %s\nwant %s", got, want)
	}
}

func TestBedrockEscapeID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"anthropic.claude-v2:1", "anthropic.claude-v2%3A1"},
		{"arn:aws:bedrock:us-east-1::foundation-model/x", "arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fx"},
		{"a b~c_d", "a%20b~c_d"},
		{"ü", "%C3%BC"},
		{"Az09-._~", "Az09-._~"},
	}
	for _, tc := range tests {
		if got := bedrockEscapeID(tc.id); got != tc.want {
			t.Errorf("bedrockEscapeID(%q) = %q, want %q", tc.id, got, tc.want)
		}
		if back, err := url.PathUnescape(bedrockEscapeID(tc.id)); err != nil || back != tc.id {
			t.Errorf("%q does not round-trip: %q, %v", tc.id, back, err)
		}
	}
}

func TestBedrockBetas(t *testing.T) {
	tests := []struct {
		values []string
		want   []string
	}{
		{nil, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{"a, b", "c", "b,,d "}, []string{"a", "b", "c", "d"}},
	}
	for _, tc := range tests {
		got := anthropicBetas(http.Header{"anthropic-beta": tc.values})
		if !slices.Equal(got, tc.want) {
			t.Errorf("anthropicBetas(%q) = %q, want %q", tc.values, got, tc.want)
		}
	}
}

func TestBedrockAPIKey(t *testing.T) {
	bedrockIsolateAWS(t)
	p, err := New(Config{Name: "br", Type: "bedrock", Region: "us-west-2", APIKey: "bedrock-api-key-123"}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Prepare(context.Background(), &Request{
		API: api.AnthropicMessages, Headers: http.Header{}, Body: []byte(`{"model":"x","max_tokens":1}`), UpstreamModel: "us.anthropic.claude-x-v1:0",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := bedrockHeader(m, "authorization"); got != "Bearer bedrock-api-key-123" {
		t.Fatalf("authorization = %q", got)
	}
	if bedrockHeader(m, "x-amz-date") != "" {
		t.Fatalf("an API key request must not be SigV4-signed: %v", m.SetHeaders)
	}
	if h := p.(interface{ Host() string }).Host(); h != "bedrock-runtime.us-west-2.amazonaws.com" {
		t.Fatalf("Host() = %q", h)
	}
}

func TestBedrockHostOverrideIsSigned(t *testing.T) {
	p := newEnvBedrock(t, Config{Region: "us-east-1", Host: "vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com"}, "")
	if h := p.(interface{ Host() string }).Host(); h != "vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com" {
		t.Fatalf("Host() = %q", h)
	}
	m, err := p.Prepare(context.Background(), &Request{API: api.BedrockInvoke, Body: []byte(`{}`), UpstreamModel: "a:b"})
	if err != nil {
		t.Fatal(err)
	}
	bedrockCheckSignature(t, m, "vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com", "us-east-1", "AKIDENVEXAMPLE", "env/secret+key", "")
}

func TestBedrockRejectsOpenAIClients(t *testing.T) {
	p := newEnvBedrock(t, Config{}, "")
	_, err := p.Prepare(context.Background(), &Request{API: api.OpenAIChat, Body: []byte(`{}`), UpstreamModel: "x"})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Fatalf("err = %v, want a 400 *api.Error", err)
	}
}
