package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/llm/api"
)

// bedrockFakeECS is an ECS container credentials endpoint that hands out a new key on
// every fetch, each valid for lifetime.
type bedrockFakeECS struct {
	lifetime time.Duration
	mu       sync.Mutex
	fetches  int
	authSeen []string
}

func (f *bedrockFakeECS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.fetches++
	n := f.fetches
	f.authSeen = append(f.authSeen, r.Header.Get("Authorization"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId":     fmt.Sprintf("ASIAROTATED%d", n),
		"SecretAccessKey": fmt.Sprintf("secret-%d", n),
		"Token":           fmt.Sprintf("session-%d", n),
		"Expiration":      time.Now().Add(f.lifetime).UTC().Format(time.RFC3339),
	})
}

func (f *bedrockFakeECS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches
}

// newECSBedrock points the AWS default chain at an ECS credentials endpoint only.
func newECSBedrock(t *testing.T, endpoint string, deps Deps) Provider {
	t.Helper()
	bedrockIsolateAWS(t)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint)
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ecs-auth-token")
	deps.Now = func() time.Time { return bedrockTestNow }
	p, err := New(Config{Name: "bedrock-ecs", Type: "bedrock", Region: "us-east-1"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func bedrockPrepareInvoke(p Provider) (Mutation, error) {
	return p.Prepare(context.Background(), &Request{
		API: api.AnthropicMessages, Headers: http.Header{},
		Body: []byte(`{"model":"c","max_tokens":8,"messages":[]}`), UpstreamModel: "anthropic.claude-x-v1:0",
	})
}

func TestBedrockECSCredentialsCacheAndRotate(t *testing.T) {
	tests := []struct {
		name string
		// lifetime of each key: within the refresh window it is refreshed on next use.
		lifetime    time.Duration
		wantFetches int
		wantSecond  int // the key number that signs the second request
	}{
		{"long-lived key is reused", time.Hour, 1, 1},
		{"expiring key rotates", 2 * time.Minute, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ecs := &bedrockFakeECS{lifetime: tc.lifetime}
			srv := httptest.NewServer(ecs)
			defer srv.Close()
			p := newECSBedrock(t, srv.URL+"/creds", Deps{CredentialTimeout: 10 * time.Second})

			m1, err := bedrockPrepareInvoke(p)
			if err != nil {
				t.Fatal(err)
			}
			bedrockCheckSignature(t, m1, "bedrock-runtime.us-east-1.amazonaws.com", "us-east-1", "ASIAROTATED1", "secret-1", "session-1")
			m2, err := bedrockPrepareInvoke(p)
			if err != nil {
				t.Fatal(err)
			}
			n := tc.wantSecond
			bedrockCheckSignature(t, m2, "bedrock-runtime.us-east-1.amazonaws.com", "us-east-1",
				fmt.Sprintf("ASIAROTATED%d", n), fmt.Sprintf("secret-%d", n), fmt.Sprintf("session-%d", n))
			if got := ecs.count(); got != tc.wantFetches {
				t.Fatalf("credential fetches = %d, want %d", got, tc.wantFetches)
			}
			if ecs.authSeen[0] != "ecs-auth-token" {
				t.Fatalf("ECS endpoint saw Authorization %q", ecs.authSeen[0])
			}
		})
	}
}

func TestBedrockCredentialSourceUnavailable(t *testing.T) {
	// A port with nothing listening: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/creds"
	ln.Close()

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // answers only when the test ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)

	for _, tc := range []struct{ name, endpoint string }{{"down", down}, {"slow", slow.URL + "/creds"}} {
		t.Run(tc.name, func(t *testing.T) {
			var failed []string
			p := newECSBedrock(t, tc.endpoint, Deps{
				CredentialTimeout: 300 * time.Millisecond,
				OnCredentialError: func(name string) { failed = append(failed, name) },
			})
			_, err := bedrockPrepareInvoke(p)
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable {
				t.Fatalf("err = %v, want a 503 *api.Error", err)
			}
			if !strings.Contains(ae.Message, `credentials for provider "bedrock-ecs" are unavailable`) ||
				strings.Contains(ae.Message, "ecs-auth-token") {
				t.Fatalf("message = %q", ae.Message)
			}
			if len(failed) != 1 || failed[0] != "bedrock-ecs" {
				t.Fatalf("OnCredentialError calls = %q", failed)
			}
		})
	}
}
