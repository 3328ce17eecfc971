package extproc_test

import (
	"context"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/tollgate/tollgate/extproc"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/pricing"
)

// budgetNow is the budget clock of these tests: 14 h before the day's reset.
var budgetNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// budgetFixture serves testdata/budgets.yaml with a budget Service on fake.
func budgetFixture(t *testing.T, fake *budgettest.Fake, o budget.Options) *fixture {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.Observer, o.Now = m.Budget, func() time.Time { return budgetNow }
	svc, err := budget.Dial(fake.Serve(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := extproc.New(loadRuntime(t, "testdata/budgets.yaml"), extproc.Options{Metrics: m, Logger: log,
		Prices: pricing.NewStore(table), Unpriced: pricing.NewWarnOnce(log), Budgets: svc})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fixture{srv: srv, client: extprocv3.NewExternalProcessorClient(conn), reg: reg, metrics: m, logs: logs}
}

// streamed sends one streamed Anthropic request through to its end: 3,500 tokens.
func streamed(t *testing.T, f *fixture, key, model string) {
	t.Helper()
	body := []byte(`{"model":"` + model + `","stream":true,"max_tokens":10}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", key))
	if resp := ex.send(requestBody(body)); resp.GetRequestBody() == nil {
		t.Fatalf("request refused: %v", resp)
	}
	ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
	ex.send(responseBody([]byte(anthropicStream), false))
	ex.send(responseBody(nil, true))
	ex.close()
}

// charges are the addends the fake received, "budget/scope=n", in arrival order.
func charges(fake *budgettest.Fake) []string {
	var out []string
	for _, r := range fake.Requests() {
		for _, d := range r.Descriptors {
			if n := d.GetHitsAddend().GetValue(); n > 0 {
				out = append(out, d.Entries[0].Value+"/"+d.Entries[1].Value+"="+strconv.FormatUint(n, 10))
			}
		}
	}
	return out
}

func waitCharges(t *testing.T, fake *budgettest.Fake, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(charges(fake), " ") != want {
		if time.Now().After(deadline) {
			t.Fatalf("charges %v, want %s", charges(fake), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBudgetSpentRefuses: a request that spends a team's budget goes through; the
// team's next one is refused with 429 in its client's own error shape, naming the
// budget and its reset, with retry-after (and x-should-retry: false, the reset being
// hours away); another team's counter is its own.
func TestBudgetSpentRefuses(t *testing.T) {
	fake := &budgettest.Fake{}
	f := budgetFixture(t, fake, budget.Options{})
	streamed(t, f, aliceKey, "claude-sonnet-4-5-20250929")
	waitCharges(t, fake, "claude-team-daily/platform=3500")

	const msg = `budget \"claude-team-daily\" is spent (100 tokens per day for team platform); it resets at 2026-12-04T00:00:00Z`
	for _, tc := range []struct{ path, want string }{
		{"/v1/messages", `{"type":"error","error":{"type":"rate_limit_error","message":"` + msg + `"}}`},
		{"/v1/chat/completions", `{"error":{"message":"` + msg + `","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"}}`},
	} {
		body := []byte(`{"model":"claude-haiku-4-5","max_tokens":10,"messages":[]}`)
		ex := f.open(t)
		ex.send(post(tc.path, body, "x-api-key", aliceKey))
		ir := immediateOf(t, ex.send(requestBody(body)))
		ex.close()
		if ir.Status.GetCode() != 429 || string(ir.Body) != tc.want {
			t.Errorf("%s: %d %s\nwant 429 %s", tc.path, ir.Status.GetCode(), ir.Body, tc.want)
		}
		hdrs := map[string]string{}
		for _, h := range ir.Headers.GetSetHeaders() {
			hdrs[h.Header.Key] = string(h.Header.RawValue)
		}
		if hdrs["retry-after"] != "50400" || hdrs["x-should-retry"] != "false" || hdrs["content-type"] != "application/json" {
			t.Errorf("%s: headers %v", tc.path, hdrs)
		}
	}
	streamed(t, f, "bob-key", "claude-sonnet-4-5-20250929") // research's own counter

	// Token counting is not billed: no budget refuses it, and it makes no call.
	calls := len(fake.Requests())
	body := []byte(`{"model":"claude-haiku-4-5","messages":[]}`)
	ex := f.open(t)
	ex.send(post("/v1/messages/count_tokens", body, "x-api-key", aliceKey))
	if resp := ex.send(requestBody(body)); resp.GetRequestBody() == nil {
		t.Errorf("count_tokens refused by a spent budget: %v", resp)
	}
	ex.close()
	if n := len(fake.Requests()); n != calls {
		t.Errorf("count_tokens made %d budget calls", n-calls)
	}

	if v := testutil.ToFloat64(f.metrics.Budget.Rejections.WithLabelValues("claude-team-daily", "platform")); v != 2 {
		t.Errorf("rejections %v, want 2", v)
	}
	if v := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "claude-haiku-4-5", "anthropic", "429")); v != 2 {
		t.Errorf("requests with code 429: %v", v)
	}
	if r, l := testutil.ToFloat64(f.metrics.Budget.Remaining.WithLabelValues("claude-team-daily", "platform")),
		testutil.ToFloat64(f.metrics.Budget.Limit.WithLabelValues("claude-team-daily", "platform")); r != 0 || l != 100 {
		t.Errorf("remaining %v of %v", r, l)
	}
	if !strings.Contains(f.logs.String(), `"msg":"budget spent; request refused"`) {
		t.Errorf("no refusal logged:\n%s", f.logs.String())
	}
}

// TestShadowBudgetOnlyCounts: a spent shadow budget refuses nothing; it is logged and
// counted apart from real rejections.
func TestShadowBudgetOnlyCounts(t *testing.T) {
	fake := &budgettest.Fake{}
	f := budgetFixture(t, fake, budget.Options{})
	body := []byte(`{"model":"gpt-4o","messages":[]}`)
	answer := []byte(`{"id":"c","object":"chat.completion","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}`)
	for i := range 2 {
		ex := f.open(t)
		ex.send(post("/v1/chat/completions", body, "authorization", "Bearer "+aliceKey))
		if resp := ex.send(requestBody(body)); resp.GetRequestBody() == nil {
			t.Fatalf("request %d refused by a shadow budget", i)
		}
		ex.send(responseHeaders(false, ":status", "200", "content-type", "application/json"))
		ex.send(responseBody(answer, true))
		ex.close()
		if i == 0 {
			waitCharges(t, fake, "gpt-everyone-shadow/all=25")
		}
	}
	if v := testutil.ToFloat64(f.metrics.Budget.ShadowRejections.WithLabelValues("gpt-everyone-shadow", "platform")); v != 1 {
		t.Errorf("shadow rejections %v, want 1", v)
	}
	if n := testutil.CollectAndCount(f.metrics.Budget.Rejections); n != 0 {
		t.Errorf("%d real rejection series", n)
	}
	if !strings.Contains(f.logs.String(), `"msg":"shadow budget spent; the request goes on"`) {
		t.Errorf("no shadow log line:\n%s", f.logs.String())
	}
}

// TestBudgetChargedOnce: a response cut short charges what was seen, once; a USD budget
// is charged the cost in 1e-4 USD units (rounded down, the rest carried), a token
// budget every billed token.
func TestBudgetChargedOnce(t *testing.T) {
	fake := &budgettest.Fake{}
	f := budgetFixture(t, fake, budget.Options{})
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","stream":true}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
	ex.send(responseBody([]byte(anthropicStream[:strings.Index(anthropicStream, "event: content_block_delta")]), false))
	ex.close() // cut: message_start's usage only
	waitCharges(t, fake, "claude-team-daily/platform=3001")

	table, _ := pricing.NewTable(nil, nil)
	p, _, _ := table.Resolve(pricing.Query{ProviderType: "openai", ClientModel: "gpt-4.1"})
	cost := (1000*p.Input + 500*p.Output) / 1e6
	body = []byte(`{"model":"gpt-4.1","messages":[]}`)
	ex = f.open(t)
	ex.send(post("/v1/chat/completions", body, "authorization", "Bearer "+aliceKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "application/json"))
	ex.send(responseBody([]byte(`{"object":"chat.completion","model":"gpt-4.1","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500}}`), true))
	ex.close()
	units := uint64(math.Floor(cost * 1e4))
	if cost <= 0 || units == 0 {
		t.Fatalf("gpt-4.1 costs %v", cost)
	}
	waitCharges(t, fake, "claude-team-daily/platform=3001 gpt-everyone-shadow/all=1500 platform-usd/alice="+strconv.FormatUint(units, 10))
	time.Sleep(50 * time.Millisecond)
	if got := charges(fake); len(got) != 3 {
		t.Errorf("charges %v: a request charged twice", got)
	}
}

// TestBudgetFailureModes: a failed check lets the request through under open and
// refuses it with 503 in the client's shape under closed; both count by reason.
func TestBudgetFailureModes(t *testing.T) {
	for _, mode := range []budget.FailureMode{budget.FailOpen, budget.FailClosed} {
		t.Run(string(mode), func(t *testing.T) {
			fake := &budgettest.Fake{}
			fake.SetAnswer(func(context.Context, *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
				return nil, status.Error(codes.Unavailable, "redis is down")
			})
			f := budgetFixture(t, fake, budget.Options{FailureMode: mode})
			body := []byte(`{"model":"claude-haiku-4-5","max_tokens":10,"messages":[]}`)
			ex := f.open(t)
			ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
			resp := ex.send(requestBody(body))
			ex.close()
			if mode == budget.FailOpen {
				if m := mutationOf(t, resp); m.set["x-api-key"] != "sk-ant-provider" {
					t.Errorf("open: request not forwarded with the provider's key: %v", m.set)
				}
			} else {
				ir := immediateOf(t, resp)
				want := `{"type":"error","error":{"type":"api_error","message":"the gateway cannot check this request's budgets (the rate-limit service failed: unavailable); try again later"}}`
				if ir.Status.GetCode() != 503 || string(ir.Body) != want {
					t.Errorf("closed: %d %s", ir.Status.GetCode(), ir.Body)
				}
			}
			if v := testutil.ToFloat64(f.metrics.Budget.RatelimitErrors.WithLabelValues("unavailable")); v != 1 {
				t.Errorf("ratelimit errors (unavailable) %v, want 1", v)
			}
		})
	}
}

// TestBudgetCheckEndsWithTheStream: when Envoy drops the stream (the client went away),
// a check waiting on the service is cancelled, not left to its timeout.
func TestBudgetCheckEndsWithTheStream(t *testing.T) {
	fake := &budgettest.Fake{}
	cancelled := make(chan struct{})
	fake.SetAnswer(func(ctx context.Context, _ *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	f := budgetFixture(t, fake, budget.Options{Timeout: time.Minute, FailureMode: budget.FailClosed})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := f.client.Process(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"model":"claude-haiku-4-5","max_tokens":10,"messages":[]}`)
	if err := s.Send(post("/v1/messages", body, "x-api-key", aliceKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(requestBody(body)); err != nil {
		t.Fatal(err)
	}
	for len(fake.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the check went on after the stream ended")
	}
	waitForCount(t, func() float64 { return float64(f.srv.Open()) }, 0)
	if v := testutil.ToFloat64(f.metrics.Budget.RatelimitErrors.WithLabelValues("timeout")); v != 0 {
		t.Errorf("a client gone counted as a timeout")
	}
}

// TestNoBudgetNoCall: a request no budget applies to never calls the service.
func TestNoBudgetNoCall(t *testing.T) {
	fake := &budgettest.Fake{}
	f := budgetFixture(t, fake, budget.Options{})
	body := []byte(`{"model":"gemini-2.5-pro","messages":[]}`) // no budget names gemini
	ex := f.open(t)
	ex.send(post("/v1/chat/completions", body, "authorization", "Bearer "+aliceKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "application/json"))
	ex.send(responseBody([]byte(`{"object":"chat.completion","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5}}`), true))
	ex.close()
	time.Sleep(50 * time.Millisecond)
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d calls to the rate-limit service", n)
	}
}
