package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
)

// The AWS credentials tollgate finds in its environment (the default chain's first
// source) and the fake Bedrock verifies signatures with.
var awsCreds = aws.Credentials{
	AccessKeyID:     "AKIAE2ETOLLGATE00001",
	SecretAccessKey: "e2e/secret+access+key/EXAMPLE0000000000000",
	SessionToken:    "e2e-session-token-EXAMPLE",
}

// bedrockEnv gives tollgate static AWS credentials from the environment and nothing
// else: no shared config or credentials file, no instance metadata, no bearer token.
// It must run before startStack (the chain is read when the gateway loads its config).
func bedrockEnv(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", awsCreds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsCreds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", awsCreds.SessionToken)
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
}

// saKey is the service account's RSA key, generated once per test binary.
var saKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// vertexEnv starts a Google token server and points tollgate's application default
// credentials at a service-account file whose token_uri is that server.
func vertexEnv(t *testing.T) *mock.TokenServer {
	t.Helper()
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
	t.Setenv("CLOUDSDK_CONFIG", dir) // never gcloud's own credentials
	return ts
}

// cloudFixture reads e2e/testdata/cloud/name.
func cloudFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "e2e", "testdata", "cloud", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bedrockEvents are the Anthropic events of the recorded Bedrock stream, one per line.
func bedrockEvents(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "llm", "eventstream", "testdata", "stream_events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(b), []byte("\n"))
}

// invocationUsage is the usage Bedrock itself reports for the stream, in the last
// event's amazon-bedrock-invocationMetrics (inputTokenCount excludes the cache).
func invocationUsage(t *testing.T, events [][]byte) usage.Usage {
	t.Helper()
	m := gjson.GetBytes(events[len(events)-1], "amazon-bedrock-invocationMetrics")
	if !m.Exists() {
		t.Fatal("the recorded stream has no invocation metrics")
	}
	return usage.Usage{Input: m.Get("inputTokenCount").Int(), Output: m.Get("outputTokenCount").Int(),
		CacheRead: m.Get("cacheReadInputTokenCount").Int(), CacheWrite: m.Get("cacheWriteInputTokenCount").Int()}
}

// asSSE is the Anthropic SSE an Anthropic-API client gets for Bedrock events: each
// event's JSON unchanged under its type.
func asSSE(events [][]byte) []byte {
	var b bytes.Buffer
	for _, ev := range events {
		b.WriteString("event: " + gjson.GetBytes(ev, "type").Str + "\ndata: ")
		b.Write(ev)
		b.WriteString("\n\n")
	}
	return b.Bytes()
}

// sseData returns the data of each event of an SSE body.
func sseData(body []byte) [][]byte {
	var out [][]byte
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			out = append(out, d)
		}
	}
	return out
}

// streamText is the text the text_delta events of a stream add up to.
func streamText(events [][]byte) string {
	var b strings.Builder
	for _, ev := range events {
		if gjson.GetBytes(ev, "delta.type").Str == "text_delta" {
			b.WriteString(gjson.GetBytes(ev, "delta.text").Str)
		}
	}
	return b.String()
}

// messageText is the text of a Messages JSON answer's text blocks.
func messageText(msg []byte) string {
	var b strings.Builder
	for _, c := range gjson.GetBytes(msg, "content").Array() {
		if c.Get("type").Str == "text" {
			b.WriteString(c.Get("text").Str)
		}
	}
	return b.String()
}

// without deletes top-level fields from a JSON body, keeping every other byte.
func without(t *testing.T, body []byte, fields ...string) []byte {
	t.Helper()
	out := bytes.Clone(body)
	for _, f := range fields {
		var err error
		if out, err = sjson.DeleteBytes(out, f); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// headerTap remembers the response headers of the last exchange of a recorder.
type headerTap struct {
	rec  *recorder
	mu   sync.Mutex
	last http.Header
}

func (h *headerTap) client() *http.Client { return &http.Client{Transport: h} }

func (h *headerTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.rec.RoundTrip(req)
	if err == nil {
		h.mu.Lock()
		h.last = resp.Header.Clone()
		h.mu.Unlock()
	}
	return resp, err
}

func (h *headerTap) header() http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}
