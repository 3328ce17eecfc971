package extproc

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/llm/api"
)

// sdkRetryLimit is the longest retry-after worth a client's automatic retry. The
// Stainless-generated SDKs (Anthropic's and OpenAI's) retry a 429 after retry-after
// unless the reply says `x-should-retry: false`; some of them wait whatever retry-after
// says, which for a spent daily budget is hours of a hung client.
const sdkRetryLimit = 60

// checkBudgets runs after routing and authentication and before the provider sees the
// request (no credential is injected for a refused one): one check call covering every
// budget that applies. It returns the local reply that refuses the request, or nil to
// go on. With no budget that applies it costs nothing: Begin returns nil. Token-counting
// calls are not billed, so no budget counts or refuses them.
func (st *stream) checkBudgets(model string) *extprocv3.ProcessingResponse {
	if st.kind.CountsTokens() {
		return nil
	}
	st.budget = st.srv.budgets.Load().Begin(st.rt.Budgets(), st.identity.Team, st.identity.Name, model)
	if st.budget == nil {
		return nil
	}
	v := st.budget.Check(st.ctx)
	for i := range v.Statuses {
		if s := &v.Statuses[i]; s.Over && s.Shadow {
			st.log.LogAttrs(context.Background(), slog.LevelInfo, "shadow budget spent; the request goes on",
				slog.String("request_id", st.hdr.requestID), slog.String("budget", s.Budget),
				slog.String("team", st.identity.Team), slog.String("key", st.identity.Name))
		}
	}
	switch v.Outcome {
	case budget.OverBudget:
		s, retry := v.Over, v.Over.RetryAfterSeconds()
		st.log.LogAttrs(context.Background(), slog.LevelInfo, "budget spent; request refused",
			slog.String("request_id", st.hdr.requestID), slog.String("budget", s.Budget),
			slog.String("team", st.identity.Team), slog.String("key", st.identity.Name),
			slog.String("period", s.Period), slog.Int("retry_after", retry))
		hdrs := []*corev3.HeaderValueOption{setHeader("retry-after", strconv.Itoa(retry))}
		if retry > sdkRetryLimit {
			hdrs = append(hdrs, setHeader("x-should-retry", "false"))
		}
		st.budget = nil // refused: nothing to charge
		return st.rejectWith(&api.Error{Status: http.StatusTooManyRequests, Message: s.Message()}, hdrs...)
	case budget.Failed:
		st.log.LogAttrs(context.Background(), slog.LevelWarn, "budget check failed; request refused (ratelimit.failure_mode: closed)",
			slog.String("request_id", st.hdr.requestID), slog.String("reason", string(v.Reason)), slog.Any("err", v.Err))
		st.budget = nil
		return st.reject(api.Errorf(http.StatusServiceUnavailable,
			"the gateway cannot check this request's budgets (the rate-limit service failed: %s); try again later", reasonText(v)))
	}
	if v.Err != nil {
		st.log.LogAttrs(context.Background(), slog.LevelDebug, "budget check failed; the request goes on (ratelimit.failure_mode: open)",
			slog.String("request_id", st.hdr.requestID), slog.String("reason", string(v.Reason)), slog.Any("err", v.Err))
	}
	return nil
}

// reasonText names a failure for the client: its reason, never the error's details.
func reasonText(v budget.Verdict) string {
	if v.Reason == "" {
		return "cancelled"
	}
	return string(v.Reason)
}

// chargeBudgets charges the request's usage to its budgets, once, at the end of the
// response, whatever ended it. It never waits: the charge is queued and sent by the
// Service's workers.
func (st *stream) chargeBudgets(o *outcome) {
	var usd float64
	if o.priced {
		usd = o.cost
	}
	st.budget.Charge(o.usage.Total(), usd)
	st.budget = nil
}
