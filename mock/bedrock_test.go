package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tidwall/gjson"
)

const (
	testHost   = "bedrock-runtime.ap-northeast-1.amazonaws.com"
	testRegion = "ap-northeast-1"
	testModel  = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"
	testPath   = "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/"
)

var testCreds = aws.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: "test/secret", SessionToken: "session"}

var testEvents = [][]byte{
	[]byte(`{"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}`),
	[]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`),
	[]byte(`{"type":"message_stop"}`),
}

// signedRequest is a request to the fake, signed as tollgate signs (for signHost,
// signPath, signBody, creds, at) and then sent as given (host, path, body).
type signedRequest struct {
	host, path, body             string
	signHost, signPath, signBody string
	creds                        aws.Credentials
	at                           time.Time
	extra                        map[string]string
}

func (s signedRequest) send(t *testing.T, base string) (*http.Response, []byte) {
	t.Helper()
	orDefault := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	signHost, signPath, signBody := orDefault(s.signHost, s.host), orDefault(s.signPath, s.path), orDefault(s.signBody, s.body)
	re := &http.Request{Method: http.MethodPost, Host: signHost, Header: http.Header{},
		URL:           &url.URL{Scheme: "https", Host: signHost, Opaque: "//" + signHost + signPath},
		ContentLength: int64(len(signBody))}
	sum := sha256.Sum256([]byte(signBody))
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, re, hex.EncodeToString(sum[:]), "bedrock", testRegion, s.at); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+s.path, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = s.host
	for k, v := range re.Header {
		req.Header[k] = v
	}
	for k, v := range s.extra {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestBedrockVerifiesSignatureAndBody(t *testing.T) {
	stream, err := BedrockStream(testEvents)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"max_tokens":5,"messages":[{"role":"user","content":"hi"}],"anthropic_version":"bedrock-2023-05-31"}`
	count := `{"input":{"invokeModel":{"body":"` + base64.StdEncoding.EncodeToString([]byte(body)) + `"}}}`
	now := time.Now()
	wrong := testCreds
	wrong.SecretAccessKey = "not/the/secret"
	otherToken := testCreds
	otherToken.SessionToken = "other"
	tests := []struct {
		name     string
		req      signedRequest
		status   int
		verified int
		want     string
	}{
		{"invoke", signedRequest{path: testPath + "invoke", body: body}, 200, 1, `{"id":"msg"}`},
		{"stream", signedRequest{path: testPath + "invoke-with-response-stream", body: body}, 200, 1, string(stream)},
		{"count-tokens", signedRequest{path: testPath + "count-tokens", body: count}, 200, 1, `{"inputTokens":7}`},
		{"wrong secret", signedRequest{path: testPath + "invoke", body: body, creds: wrong}, 403, 0, ""},
		{"other session token", signedRequest{path: testPath + "invoke", body: body, creds: otherToken}, 403, 0, ""},
		{"body changed after signing", signedRequest{path: testPath + "invoke", body: body, signBody: body + " "}, 403, 0, ""},
		{"signed for another host", signedRequest{path: testPath + "invoke", body: body, signHost: "bedrock-runtime.us-east-1.amazonaws.com"}, 403, 0, ""},
		{"sent to another host", signedRequest{host: "127.0.0.1", signHost: testHost, path: testPath + "invoke", body: body}, 403, 0, ""},
		{"path escaped differently", signedRequest{path: "/model/" + testModel + "/invoke", signPath: testPath + "invoke", body: body}, 403, 0, ""},
		{"stale date", signedRequest{path: testPath + "invoke", body: body, at: now.Add(-20 * time.Minute)}, 403, 0, ""},
		{"model in body", signedRequest{path: testPath + "invoke", body: `{"model":"x",` + body[1:]}, 401, 1, ""},
		{"stream in body", signedRequest{path: testPath + "invoke", body: `{"stream":true,` + body[1:]}, 401, 1, ""},
		{"first-party version", signedRequest{path: testPath + "invoke", body: strings.Replace(body, "bedrock-2023-05-31", "2023-06-01", 1)}, 401, 1, ""},
		{"client key header", signedRequest{path: testPath + "invoke", body: body, extra: map[string]string{"x-api-key": "client-key"}}, 401, 1, ""},
		{"anthropic-version header", signedRequest{path: testPath + "invoke", body: body, extra: map[string]string{"anthropic-version": "2023-06-01"}}, 401, 1, ""},
		{"unknown model", signedRequest{path: "/model/us.anthropic.x/invoke", body: body}, 404, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBedrock(BedrockOptions{Name: "bedrock", Host: testHost, Region: testRegion, Credentials: testCreds,
				Models: []string{testModel}, ClientKeys: []string{"client-key"}, Chunk: 7,
				Invoke:      &Fixture{ContentType: "application/json", Body: []byte(`{"id":"msg"}`)},
				Stream:      &Fixture{ContentType: BedrockEventStreamType, Body: stream},
				CountTokens: &Fixture{ContentType: "application/json", Body: []byte(`{"inputTokens":7}`)},
			})
			defer b.Close()
			req := tc.req
			if req.host == "" {
				req.host = testHost
			}
			if req.creds == (aws.Credentials{}) {
				req.creds = testCreds
			}
			if req.at.IsZero() {
				req.at = now
			}
			resp, got := req.send(t, b.URL)
			if resp.StatusCode != tc.status || (tc.status == 200 && string(got) != tc.want) {
				t.Fatalf("got %d %q", resp.StatusCode, got)
			}
			if b.Verified() != tc.verified {
				t.Errorf("verified %d, want %d", b.Verified(), tc.verified)
			}
			if fails := b.Failures(); (tc.status == 200) != (len(fails) == 0) {
				t.Errorf("failures %v", fails)
			}
			ex := b.Exchanges()
			if len(ex) != 1 || ex[0].Status != tc.status || string(ex[0].Body) != req.body {
				t.Errorf("recorded %+v", ex)
			}
		})
	}
}

// TestBedrockStreamFrames: the replayed stream decodes, with the SDK's decoder, to one
// chunk event per Anthropic event, carrying the event base64 in "bytes".
func TestBedrockStreamFrames(t *testing.T) {
	stream, err := BedrockStream(testEvents)
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(stream)
	dec := awses.NewDecoder()
	for i, want := range testEvents {
		msg, err := dec.Decode(r, nil)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if msg.Headers.Get(":event-type").String() != "chunk" || msg.Headers.Get(":message-type").String() != "event" {
			t.Errorf("frame %d headers %v", i, msg.Headers)
		}
		got, err := base64.StdEncoding.DecodeString(gjson.GetBytes(msg.Payload, "bytes").Str)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("frame %d carries %q, want %q", i, got, want)
		}
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes after the last frame", r.Len())
	}
}
