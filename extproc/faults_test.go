package extproc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/usage/usagetest"
)

// The secrets testdata/security.yaml reads through ${VAR}: every test that uses it
// knows every secret that must never appear in a log line.
var securityEnv = map[string]string{
	"ANTHROPIC_KEY": "sk-ant-SECRET-anthropic-7f3a9e",
	"OPENAI_KEY":    "sk-proj-SECRET-openai-91c2d4",
	"AZURE_KEY":     "SECRET-azure-5d1e77",
	"GEMINI_KEY":    "AIzaSECRET-gemini-33b0aa",
}

// securityClientKey is alice's key; security.yaml holds only its SHA-256.
const securityClientKey = "tg-SECRET-client-alice-4c8d21"

func securityLookup(name string) (string, bool) {
	if name == "ALICE_KEY_SHA256" {
		sum := sha256.Sum256([]byte(securityClientKey))
		return hex.EncodeToString(sum[:]), true
	}
	v, ok := securityEnv[name]
	return v, ok
}

// isolateCloud empties every source of the AWS default chain and of Google application
// default credentials, then sets kv (name, value pairs).
func isolateCloud(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/sa.json")
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

// newWiredFixture serves testdata/security.yaml with the dependencies wired as the
// gateway wires them: gateway.NewLogger at debug level, writing to logs, is the logger
// of the server and of the providers, and credential failures count in
// tollgate_credential_errors_total. Call isolateCloud first: the AWS chain is read here.
func newWiredFixture(t testing.TB, logs *syncBuffer) *fixture {
	t.Helper()
	log, _ := gateway.NewLogger(logs, "debug")
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	data, err := os.ReadFile("testdata/security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := config.Parse("testdata/security.yaml", data, securityLookup)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{Logger: log,
		OnCredentialError: func(p string) { m.CredentialErrors.WithLabelValues(p).Inc() }}).Assemble(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	return serveFixture(t, rt, reg, m, log, logs)
}

// roundTrips runs reqs on a new stream as Envoy's filter does (internal/envoysim/filter:
// one reply of the matching type per message, nothing after an immediate response),
// without a testing.T (it runs on goroutines other than the test's), and ends the stream.
func roundTrips(ctx context.Context, c extprocv3.ExternalProcessorClient, reqs ...*extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	s := filter.NewStream(nil, c)
	s.Begin(ctx)
	defer s.Cancel()
	var out []*extprocv3.ProcessingResponse
	for _, r := range reqs {
		resp, failure := s.Call(r)
		if failure != nil {
			return out, failure
		}
		if resp == nil {
			return out, fmt.Errorf("%s: no reply, the server ended the stream", filter.MessageName(r))
		}
		out = append(out, resp)
		if resp.GetImmediateResponse() != nil {
			break
		}
	}
	return out, s.Close(0)
}

// warmUp runs one request so that the connection's goroutines exist before a baseline
// goroutine count is taken.
func warmUp(t testing.TB, f *fixture) {
	t.Helper()
	out, err := roundTrips(context.Background(), f.client,
		requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-api-key", securityClientKey))
	if err != nil || len(out) != 1 || out[0].GetImmediateResponse().GetStatus().GetCode() != http.StatusOK {
		t.Fatalf("warm-up: %v %v", out, err)
	}
}

// fixtureNamed loads one recorded response from llm/usage/testdata.
func fixtureNamed(t testing.TB, name string) (usagetest.Fixture, []byte) {
	t.Helper()
	fxs, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		if fx.Name == name {
			body, err := fx.Body()
			if err != nil {
				t.Fatal(err)
			}
			return fx, body
		}
	}
	t.Fatalf("no fixture %s", name)
	return usagetest.Fixture{}, nil
}

// waitGoroutines waits (bounded) for the goroutine count to come back to base.
func waitGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gzipped(b []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// firstFrame is the first AWS event-stream frame of frames (its total length is the
// prelude's first field).
func firstFrame(frames []byte) []byte {
	return frames[:binary.BigEndian.Uint32(frames)]
}

// TestCancelledMidResponse: Envoy's stream is cancelled (client gone, Envoy restarted)
// while the response streams. The usage seen so far is recorded, the stream counted as
// interrupted, and nothing is left running: no open stream, no decoder goroutine.
func TestCancelledMidResponse(t *testing.T) {
	isolateCloud(t, "AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST", "AWS_SECRET_ACCESS_KEY", "aws-SECRET-static-key")
	frames, _ := bedrockStream(t)
	msgStart := []byte(anthropicStream[:strings.Index(anthropicStream, "event: content_block_delta")])
	tests := []struct {
		name, model, provider string
		contentType, encoding string
		first                 []byte // the part of the response seen before the cancel
		wantInput, wantCache  float64
	}{
		{"anthropic SSE", "claude-opus-4-7", "anthropic", "text/event-stream", "", []byte(anthropicStream), 1000, 2000},
		{"gzip SSE", "claude-opus-4-7", "anthropic", "text/event-stream", "gzip", gzipped(msgStart), 1000, 2000},
		{"bedrock event stream", "claude-via-bedrock", "bedrock", "application/vnd.amazon.eventstream", "", firstFrame(frames), 12, 8192},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newWiredFixture(t, &syncBuffer{})
			warmUp(t, f)
			base := runtime.NumGoroutine()

			body := []byte(fmt.Sprintf(`{"model":%q,"max_tokens":64,"stream":true,"messages":[]}`, tc.model))
			ex := f.open(t)
			ex.send(post("/v1/messages", body, "x-api-key", securityClientKey))
			ex.send(requestBody(body))
			hdr := []string{":status", "200", "content-type", tc.contentType}
			if tc.encoding != "" {
				hdr = append(hdr, "content-encoding", tc.encoding)
			}
			ex.send(responseHeaders(false, hdr...))
			ex.send(responseBody(tc.first, false))
			ex.cancel()

			waitForCount(t, func() float64 {
				return testutil.ToFloat64(f.metrics.StreamsInterrupted.WithLabelValues(tc.model, tc.provider))
			}, 1)
			if got := testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", tc.model, tc.provider, "input")); got != tc.wantInput {
				t.Errorf("input tokens = %v, want %v", got, tc.wantInput)
			}
			if got := testutil.ToFloat64(f.metrics.Tokens.WithLabelValues("platform", tc.model, tc.provider, "cache_read")); got != tc.wantCache {
				t.Errorf("cache_read tokens = %v, want %v", got, tc.wantCache)
			}
			if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", tc.model, tc.provider, "200")); got != 1 {
				t.Errorf("requests = %v, want 1", got)
			}
			if n := testutil.CollectAndCount(f.metrics.MeteringErrors); n != 0 {
				t.Errorf("%d metering error series: a cut stream is not a metering error", n)
			}
			waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
			waitGoroutines(t, base)
		})
	}
}

// TestCredentialSourceDown: Bedrock's credentials come from an ECS container endpoint
// on 127.0.0.1 that fails or hangs. Every one of N concurrent requests gets a 503 in
// the Anthropic shape within the credential timeout (300ms in security.yaml), each is
// counted in tollgate_credential_errors_total, and the endpoint is not stormed.
func TestCredentialSourceDown(t *testing.T) {
	const n = 20
	tests := []struct {
		name string
		hang bool
	}{
		{"endpoint answers 500", false},
		{"endpoint hangs", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			var healthy atomic.Bool
			release := make(chan struct{})
			ecs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				switch {
				case healthy.Load():
					w.Header().Set("Content-Type", "application/json")
					json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "AKIDFROMECS", "SecretAccessKey": "ecs-SECRET-key",
						"Token": "ecs-SECRET-session", "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
				case tc.hang:
					select {
					case <-release:
					case <-r.Context().Done():
					}
				default:
					http.Error(w, `{"code":"InternalError","message":"credential service down"}`, http.StatusInternalServerError)
				}
			}))
			t.Cleanup(ecs.Close)
			t.Cleanup(func() { close(release) }) // runs first: hanging handlers return
			isolateCloud(t, "AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.URL+"/v2/credentials")
			f := newWiredFixture(t, &syncBuffer{})

			body := []byte(`{"model":"claude-via-bedrock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`)
			type result struct {
				took time.Duration
				ir   *extprocv3.ImmediateResponse
				err  error
			}
			results := make(chan result, n)
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					start := time.Now()
					out, err := roundTrips(ctx, f.client, post("/v1/messages", body, "x-api-key", securityClientKey), requestBody(body))
					r := result{took: time.Since(start), err: err}
					if len(out) > 0 {
						r.ir = out[len(out)-1].GetImmediateResponse()
					}
					results <- r
				})
			}
			wg.Wait()
			close(results)
			var slowest time.Duration
			for r := range results {
				if r.err != nil {
					t.Fatal(r.err)
				}
				slowest = max(slowest, r.took)
				if r.ir == nil {
					t.Fatal("request went upstream without credentials")
				}
				if r.ir.Status.Code != http.StatusServiceUnavailable {
					t.Errorf("status %d, want 503", r.ir.Status.Code)
				}
				var e struct {
					Type  string
					Error struct{ Type, Message string }
				}
				if err := json.Unmarshal(r.ir.Body, &e); err != nil || e.Type != "error" || e.Error.Type == "" ||
					!strings.Contains(e.Error.Message, `"bedrock"`) {
					t.Errorf("not an Anthropic error naming the provider: %s", r.ir.Body)
				}
			}
			// 300ms of credential timeout, with room for a slow race-enabled machine;
			// a hanging endpoint would otherwise hold every request until the cleanup.
			if slowest > 3*time.Second {
				t.Errorf("slowest request took %v; the credential timeout is 300ms", slowest)
			}
			if got := testutil.ToFloat64(f.metrics.CredentialErrors.WithLabelValues("bedrock")); got != n {
				t.Errorf("tollgate_credential_errors_total{provider=bedrock} = %v, want %d", got, n)
			}
			h := hits.Load()
			t.Logf("%d concurrent requests: %d hits on the credential endpoint, slowest answer %v", n, h, slowest.Round(time.Millisecond))
			if h < 1 || h > 3*n {
				t.Errorf("credential endpoint hit %d times for %d requests; want 1..%d", h, n, 3*n)
			}

			// Once the source is back, requests are signed again.
			healthy.Store(true)
			if !tc.hang {
				out, err := roundTrips(context.Background(), f.client, post("/v1/messages", body, "x-api-key", securityClientKey), requestBody(body))
				if err != nil {
					t.Fatal(err)
				}
				m := mutationOf(t, out[len(out)-1])
				if !strings.Contains(m.set["authorization"], "Credential=AKIDFROMECS/") {
					t.Errorf("after recovery authorization = %q", m.set["authorization"])
				}
			}
		})
	}
}

// TestMessagesOutOfOrder: a peer that does not follow Envoy's order (a body before any
// headers, a response before the request, messages after a local reply) gets replies or
// a stream error, never a crash, and the server keeps serving.
func TestMessagesOutOfOrder(t *testing.T) {
	isolateCloud(t)
	f := newWiredFixture(t, &syncBuffer{})
	body := []byte(`{"model":"claude-opus-4-7","max_tokens":1,"messages":[]}`)
	tests := []struct {
		name string
		msgs []*extprocv3.ProcessingRequest
	}{
		{"response body first", []*extprocv3.ProcessingRequest{responseBody([]byte(anthropicStream), true)}},
		{"response headers first", []*extprocv3.ProcessingRequest{responseHeaders(false, ":status", "200", "content-type", "text/event-stream"), responseBody([]byte(anthropicStream), true)}},
		{"request body without headers", []*extprocv3.ProcessingRequest{requestBody(body)}},
		{"trailers only", []*extprocv3.ProcessingRequest{{Request: &extprocv3.ProcessingRequest_RequestTrailers{RequestTrailers: &extprocv3.HttpTrailers{}}}}},
		{"body after a local reply", []*extprocv3.ProcessingRequest{post("/v1/messages", body, "x-api-key", "wrong"), requestBody(body), responseBody(nil, true)}},
		{"request headers twice", []*extprocv3.ProcessingRequest{post("/v1/messages", body, "x-api-key", securityClientKey), post("/v1/chat/completions", body, "x-api-key", securityClientKey), requestBody(body)}},
		{"empty message", []*extprocv3.ProcessingRequest{{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := f.client.Process(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.msgs {
				if s.Send(m) != nil {
					break
				}
				if tc.name == "empty message" {
					break // no reply is due for a message of no known type
				}
				if _, err := s.Recv(); err != nil {
					t.Logf("stream ended: %v", err)
					break
				}
			}
			_ = s.CloseSend()
			for {
				if _, err := s.Recv(); err != nil {
					break
				}
			}
			warmUp(t, f) // the server still serves
		})
	}
	waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
}
