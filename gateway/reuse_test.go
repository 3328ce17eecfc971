package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// ecsEndpoint is an ECS container credentials endpoint handing out a new hour-long key
// on every fetch.
type ecsEndpoint struct{ fetches atomic.Int64 }

func (e *ecsEndpoint) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := e.fetches.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId": fmt.Sprintf("ASIAFETCH%d", n), "SecretAccessKey": "s", "Token": "t",
		"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	})
}

const bedrockConfig = `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
providers:
  - name: bedrock-tokyo
    type: bedrock
    region: ap-northeast-1
models:
  - match: claude-sonnet-4-5-20250929
    provider: bedrock-tokyo
    upstream_model: jp.anthropic.claude-sonnet-4-5-20250929-v1:0
server:
  watch_config: false
`

// TestReloadKeepsCredentialCaches: a reload that leaves a provider's settings alone keeps
// that provider, so its cached AWS credentials sign the next request without a new
// fetch; a reload that changes them builds the provider, and its credentials, anew.
func TestReloadKeepsCredentialCaches(t *testing.T) {
	ecs := &ecsEndpoint{}
	srv := httptest.NewServer(ecs)
	defer srv.Close()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ecs-token",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds",
	} {
		t.Setenv(k, v)
	}
	g, path, _, _, _ := start(t, bedrockConfig)
	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := client{t, extprocv3.NewExternalProcessorClient(conn)}
	// signedWith sends one request and returns the access key its signature names.
	signedWith := func() string {
		t.Helper()
		body := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":8,"messages":[]}`)
		r := c.do(headers(false, ":method", "POST", ":path", "/v1/messages"),
			&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: true}}})
		for _, h := range r[len(r)-1].GetRequestBody().GetResponse().GetHeaderMutation().GetSetHeaders() {
			if v := string(h.Header.RawValue); h.Header.Key == "authorization" && strings.Contains(v, "Credential=") {
				return strings.SplitN(strings.SplitN(v, "Credential=", 2)[1], "/", 2)[0]
			}
		}
		t.Fatalf("request not signed: %v", r)
		return ""
	}
	reload := func(cfg string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := g.Reload(); err != nil {
			t.Fatal(err)
		}
	}

	if got := signedWith(); got != "ASIAFETCH1" || ecs.fetches.Load() != 1 {
		t.Fatalf("first request signed with %s after %d fetches", got, ecs.fetches.Load())
	}
	before := g.Server().Runtime().Provider("bedrock-tokyo")

	// Only the models change: same provider, same cached key, no fetch.
	reload(strings.Replace(bedrockConfig, "models:\n", "models:\n  - match: claude-haiku-4-5-20251001\n    provider: bedrock-tokyo\n", 1))
	if len(g.Server().Runtime().Router().ExactModels()) != 2 {
		t.Fatal("the reload did not take")
	}
	if g.Server().Runtime().Provider("bedrock-tokyo") != before {
		t.Error("an unchanged provider was rebuilt")
	}
	if got := signedWith(); got != "ASIAFETCH1" || ecs.fetches.Load() != 1 {
		t.Errorf("after a models-only reload: signed with %s after %d fetches, want ASIAFETCH1 after 1", got, ecs.fetches.Load())
	}

	// The provider's settings change: a new provider with its own credentials.
	reload(strings.Replace(bedrockConfig, "region: ap-northeast-1", "region: us-east-1", 1))
	if g.Server().Runtime().Provider("bedrock-tokyo") == before {
		t.Error("a changed provider was kept")
	}
	if got := signedWith(); got != "ASIAFETCH2" || ecs.fetches.Load() != 2 {
		t.Errorf("after a region change: signed with %s after %d fetches, want ASIAFETCH2 after 2", got, ecs.fetches.Load())
	}
}
