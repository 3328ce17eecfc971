package e2e

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
	"github.com/tollgate/tollgate/mock"
)

// The budget tests run the real envoyproxy/ratelimit on redis-server
// (internal/budget/budgettest: skipped, saying why, when the binaries are absent, unless
// TOLLGATE_REQUIRE_RATELIMIT=1) behind two tollgate replicas, with the official SDKs as
// clients.

const teamDaily = "  - name: team-daily\n    per: team\n    tokens: %d\n    window: day\n"

func budgetList(tokens int64) string {
	return strings.Replace(teamDaily, "%d", strconv.FormatInt(tokens, 10), 1)
}

// budgetProviders are fake anthropic and openai clusters, and the stand-ins' upstreams.
func budgetProviders(t *testing.T) (*mock.Provider, map[string]string) {
	t.Helper()
	ant, oai := anthropicProvider(t), openAIProviders(t)["openai"]
	t.Cleanup(ant.Close)
	t.Cleanup(oai.Close)
	return ant, map[string]string{"anthropic": ant.URL, "openai": oai.URL}
}

func startRLS(t *testing.T) *budgettest.Real {
	t.Helper()
	return budgettest.StartReal(t, budget.DefaultDomain, budget.RatelimitConfig(budget.DefaultDomain))
}

// remaining is a replica's tollgate_budget_remaining for team-daily and a team.
func remaining(r *replica, team string) float64 {
	return testutil.ToFloat64(r.GW.Metrics().Budget.Remaining.WithLabelValues("team-daily", team))
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// anthropicErr sends one Messages request and returns the SDK's error (nil: it worked).
func anthropicErr(url, key string) (*anthropic.Error, error) {
	c := anthropicClient(url, key, newRecorder())
	_, err := c.Messages.New(context.Background(), userMessage())
	var apiErr *anthropic.Error
	if err != nil && !errors.As(err, &apiErr) {
		return nil, err
	}
	return apiErr, nil
}

// TestBudgetSharedByReplicas: two replicas share one team budget. A request on replica A
// crosses it; the next request of that team on replica B is refused with 429 in the
// client's own shape (Anthropic and OpenAI SDKs), naming the budget, with retry-after;
// another team's counter is its own; no refused request reaches the provider.
func TestBudgetSharedByReplicas(t *testing.T) {
	rls := startRLS(t)
	ant, upstreams := budgetProviders(t)
	cfg := budgetConfig(t, rls.Addr(), "open", budgetList(10))
	a, b := startReplica(t, "a", cfg, upstreams), startReplica(t, "b", cfg, upstreams)

	if apiErr, err := anthropicErr(a.URL, keyTeamA); apiErr != nil || err != nil {
		t.Fatalf("first request on A: %v %v", apiErr, err)
	}
	// A's charge (every billed token of the recorded answer, over 10) reached the service.
	eventually(t, "A's charge", func() bool { return remaining(a, "platform") == 0 })

	apiErr, err := anthropicErr(b.URL, keyTeamA)
	if err != nil || apiErr == nil {
		t.Fatalf("request on B after A crossed the budget: %v %v", apiErr, err)
	}
	if apiErr.StatusCode != 429 || apiErr.Type() != "rate_limit_error" ||
		!strings.HasPrefix(apiErr.Message, `budget "team-daily" is spent (10 tokens per day for team platform); it resets at `) {
		t.Errorf("Anthropic SDK error: %d %s %q", apiErr.StatusCode, apiErr.Type(), apiErr.Message)
	}
	retry, err := strconv.Atoi(apiErr.Response.Header.Get("retry-after"))
	if err != nil || retry < 1 || retry > 86400 {
		t.Errorf("retry-after %q: want the seconds to the next UTC midnight", apiErr.Response.Header.Get("retry-after"))
	}
	if retry > 60 && apiErr.Response.Header.Get("x-should-retry") != "false" {
		t.Error("no x-should-retry: false: the SDK would retry a day-long refusal")
	}

	oc := openAIClient(b.URL, keyTeamA, newRecorder())
	_, err = oc.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var oaiErr *openai.Error
	if !errors.As(err, &oaiErr) || oaiErr.StatusCode != 429 || oaiErr.Code != "rate_limit_exceeded" ||
		oaiErr.Type != "rate_limit_exceeded" || !strings.Contains(oaiErr.Message, `budget "team-daily" is spent`) {
		t.Errorf("OpenAI SDK error: %v", err)
	}

	if apiErr, err := anthropicErr(b.URL, keyTeamB); apiErr != nil || err != nil {
		t.Errorf("another team on B: %v %v", apiErr, err)
	}
	if n := len(ant.Exchanges()); n != 2 {
		t.Errorf("the provider got %d requests, want 2 (the refused ones never left)", n)
	}
	if v := testutil.ToFloat64(b.GW.Metrics().Budget.Rejections.WithLabelValues("team-daily", "platform")); v != 2 {
		t.Errorf("B's rejections %v, want 2", v)
	}
}

// TestBudgetRedisRestart: Redis stops in the middle of a run. The service then fails
// (gRPC UNKNOWN): the open replica lets requests through, the closed one answers 503 in
// the client's shape, both count unknown_code; charges are dropped and counted. Redis
// back (empty: it kept nothing), both serve again and count anew.
func TestBudgetRedisRestart(t *testing.T) {
	rls := startRLS(t)
	_, upstreams := budgetProviders(t)
	const limit = 1_000_000
	open := startReplica(t, "open", budgetConfig(t, rls.Addr(), "open", budgetList(limit)), upstreams)
	closed := startReplica(t, "closed", budgetConfig(t, rls.Addr(), "closed", budgetList(limit)), upstreams)
	want := fixtures(t)["anthropic"].Usage.Total()

	if apiErr, err := anthropicErr(open.URL, keyTeamA); apiErr != nil || err != nil {
		t.Fatalf("before: %v %v", apiErr, err)
	}
	eventually(t, "the charge", func() bool { return remaining(open, "platform") == float64(limit-want) })

	rls.StopRedis()
	if apiErr, err := anthropicErr(open.URL, keyTeamA); apiErr != nil || err != nil {
		t.Errorf("open, Redis down: %v %v", apiErr, err)
	}
	apiErr, err := anthropicErr(closed.URL, keyTeamA)
	if err != nil || apiErr == nil || apiErr.StatusCode != 503 || apiErr.Type() != "api_error" ||
		!strings.Contains(apiErr.Message, "cannot check this request's budgets") {
		t.Errorf("closed, Redis down: %v %v", apiErr, err)
	}
	errs := func(r *replica, reason budget.Reason) float64 {
		return testutil.ToFloat64(r.GW.Metrics().Budget.RatelimitErrors.WithLabelValues(string(reason)))
	}
	if errs(open, budget.ReasonUnknownCode) < 1 || errs(closed, budget.ReasonUnknownCode) < 1 {
		t.Errorf("unknown_code: open %v, closed %v", errs(open, budget.ReasonUnknownCode), errs(closed, budget.ReasonUnknownCode))
	}
	eventually(t, "the open replica's charge dropped", func() bool { return errs(open, budget.ReasonDroppedCharge) == 1 })

	rls.StartRedis(t)
	eventually(t, "the closed replica serving again", func() bool {
		apiErr, err := anthropicErr(closed.URL, keyTeamA)
		return apiErr == nil && err == nil
	})
	eventually(t, "a fresh counter", func() bool { return remaining(closed, "platform") == float64(limit-want) })
}

// TestBudgetServiceKilled: the rate-limit service is killed. The open replica lets
// requests through, the closed one answers 503, both count unavailable, and neither
// waits for the timeout. Restarted, the service is used again.
func TestBudgetServiceKilled(t *testing.T) {
	rls := startRLS(t)
	_, upstreams := budgetProviders(t)
	open := startReplica(t, "open", budgetConfig(t, rls.Addr(), "open", budgetList(1_000_000)), upstreams)
	closed := startReplica(t, "closed", budgetConfig(t, rls.Addr(), "closed", budgetList(1_000_000)), upstreams)
	for _, r := range []*replica{open, closed} {
		if apiErr, err := anthropicErr(r.URL, keyTeamA); apiErr != nil || err != nil {
			t.Fatalf("before: %v %v", apiErr, err)
		}
	}

	rls.KillService()
	start := time.Now()
	if apiErr, err := anthropicErr(open.URL, keyTeamA); apiErr != nil || err != nil {
		t.Errorf("open, service killed: %v %v", apiErr, err)
	}
	apiErr, err := anthropicErr(closed.URL, keyTeamA)
	if err != nil || apiErr == nil || apiErr.StatusCode != 503 || !strings.Contains(apiErr.Message, "rate-limit service failed: unavailable") {
		t.Errorf("closed, service killed: %v %v", apiErr, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("two requests took %v with the service gone", d)
	}
	for name, r := range map[string]*replica{"open": open, "closed": closed} {
		if v := testutil.ToFloat64(r.GW.Metrics().Budget.RatelimitErrors.WithLabelValues("unavailable")); v < 1 {
			t.Errorf("%s: unavailable counted %v times", name, v)
		}
	}

	rls.StartService(t)
	eventually(t, "the closed replica serving again", func() bool {
		apiErr, err := anthropicErr(closed.URL, keyTeamA)
		return apiErr == nil && err == nil
	})
}
