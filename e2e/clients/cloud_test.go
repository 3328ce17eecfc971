package clients

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
)

// The cloud side of testdata/tollgate.yaml: what the fake Bedrock and Vertex serve.
const (
	bedrockHost   = "bedrock-runtime.ap-northeast-1.amazonaws.com"
	vertexHost    = "aiplatform.googleapis.com"
	vertexProject = "clients-project"
)

// The AWS credentials tollgate finds in its environment and the fake Bedrock checks
// signatures with.
var awsCreds = aws.Credentials{
	AccessKeyID:     "AKIACLIENTSTOLLGATE1",
	SecretAccessKey: "clients/secret+access+key/EXAMPLE00000000000",
	SessionToken:    "clients-session-token-EXAMPLE",
}

// cloudEnv gives tollgate (this process, read when the gateway starts) static AWS
// credentials and Google application default credentials for a service account of a
// local token server, and nothing else. The clients never see them: their environment is
// built from scratch (baseEnv).
func cloudEnv(t *testing.T) *mock.TokenServer {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": awsCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": awsCreds.SecretAccessKey,
		"AWS_SESSION_TOKEN": awsCreds.SessionToken, "AWS_CONFIG_FILE": "/nonexistent",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "",
		"AWS_BEARER_TOKEN_BEDROCK": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	key, err := saKey()
	if err != nil {
		t.Fatal(err)
	}
	ts := mock.NewTokenServer(key, vertexProject)
	t.Cleanup(ts.Close)
	js, err := ts.ServiceAccountJSON()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "service-account.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	t.Setenv("CLOUDSDK_CONFIG", dir)
	return ts
}

var saKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// cloudPrompt is the request whose generated answer the fake clouds replay to every
// request (they serve fixed answers, not generated ones): its reply is mock.Reply and its
// usage cloudUsage. It carries cache_control, so the answer has cache reads and writes.
const cloudPrompt = `{"model":"m","max_tokens":64,"system":[{"type":"text","text":"You are a test.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Say hi"}]}`

// cloudUsage is the usage of every fake cloud answer.
func cloudUsage() usage.Usage {
	return mock.ExpectedUsage("anthropic_messages", []byte(cloudPrompt), mockOpts)
}

// generated is the generated mock's answer to cloudPrompt, streamed or not.
func generated(t *testing.T, stream bool) []byte {
	t.Helper()
	body := cloudPrompt
	if stream {
		body = strings.Replace(body, `{"model":"m",`, `{"model":"m","stream":true,`, 1)
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(body))
	req.Header.Set("x-api-key", "k")
	req.Header.Set("content-type", "application/json")
	w := httptest.NewRecorder()
	mock.New(mockOpts, nil).ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("generated answer: %d %s", w.Code, w.Body)
	}
	return w.Body.Bytes()
}

// sseEvents are the data lines of an SSE body.
func sseEvents(body []byte) [][]byte {
	var out [][]byte
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			out = append(out, bytes.Clone(d))
		}
	}
	return out
}

// bedrockProvider is a fake Bedrock runtime (SigV4 verified) serving models with the
// generated answer to cloudPrompt.
func bedrockProvider(t *testing.T, models ...string) *mock.Bedrock {
	t.Helper()
	stream, err := mock.BedrockStream(sseEvents(generated(t, true)))
	if err != nil {
		t.Fatal(err)
	}
	return mock.NewBedrock(mock.BedrockOptions{
		Name: "bedrock-tokyo", Host: bedrockHost, Region: "ap-northeast-1", Credentials: awsCreds,
		Models: models, ClientKeys: []string{clientKey},
		Invoke:      &mock.Fixture{ContentType: "application/json", Body: generated(t, false)},
		Stream:      &mock.Fixture{ContentType: mock.BedrockEventStreamType, Body: stream},
		CountTokens: &mock.Fixture{ContentType: "application/json", Body: []byte(`{"inputTokens":1}`)},
	})
}

// vertexProvider is a fake Vertex AI (OAuth tokens from ts) serving models with the
// generated answer to cloudPrompt.
func vertexProvider(t *testing.T, ts *mock.TokenServer, models ...string) *mock.Vertex {
	t.Helper()
	return mock.NewVertex(mock.VertexOptions{
		Name: "vertex", Host: vertexHost, Project: vertexProject, Region: "global",
		Models: models, Tokens: ts, ClientKeys: []string{clientKey},
		RawPredict:       &mock.Fixture{ContentType: "application/json", Body: generated(t, false)},
		StreamRawPredict: &mock.Fixture{ContentType: "text/event-stream", Body: generated(t, true)},
		CountTokens:      &mock.Fixture{ContentType: "application/json", Body: []byte(`{"input_tokens":1}`)},
	})
}
