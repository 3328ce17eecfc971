package extproc

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate/tollgate/extproc/eventstream"
	"github.com/tollgate/tollgate/extproc/metering"
	"github.com/tollgate/tollgate/extproc/metrics"
	"github.com/tollgate/tollgate/extproc/sse"
	"github.com/tollgate/tollgate/extproc/usage"
	"github.com/tollgate/tollgate/pricing"
)

// MetadataNamespace is the dynamic-metadata namespace Envoy's access log reads.
const MetadataNamespace = "tollgate"

// outcome is what one request amounted to.
type outcome struct {
	usage       usage.Usage
	cost        float64
	priced      bool
	interrupted bool
	meterErr    error
	duration    time.Duration
	ttft        time.Duration
}

// finish records the request once: metrics, the usage log line, and the dynamic
// metadata returned to Envoy (nil when already finished). interrupted means the stream
// ended before the response did; what was seen is recorded all the same.
func (st *stream) finish(interrupted bool) *structpb.Struct {
	if st.done {
		return nil
	}
	st.done = true
	o := outcome{interrupted: interrupted, duration: st.srv.now().Sub(st.start)}
	if m := st.resp.meter; m != nil {
		res := m.Finish()
		o.usage, o.meterErr = res.Usage, res.Err
		if st.streamed && !res.FirstContentAt.IsZero() {
			o.ttft = res.FirstContentAt.Sub(st.start)
		}
	}
	if interrupted && errors.Is(o.meterErr, eventstream.ErrTruncated) {
		o.meterErr = nil // a cut stream ends mid-frame; it is counted as interrupted, as SSE is
	}
	st.crossCheck(&o)
	st.price(&o)
	st.record(&o)
	st.logRequest(&o)
	if !st.routed {
		return nil
	}
	return st.metadata(&o)
}

// record updates the Prometheus metrics.
func (st *stream) record(o *outcome) {
	m := st.srv.metrics
	if m == nil {
		return
	}
	team, model, prov := st.identity.Team, st.route.Model, st.route.Provider
	if st.routed {
		model = st.srv.models.label(model, st.route.Pattern)
	}
	code := strconv.Itoa(st.code)
	if st.code == 0 {
		code = "0" // no response status: the stream ended first
	}
	m.Requests.WithLabelValues(team, model, prov, code).Inc()
	if !st.routed {
		return
	}
	if o.interrupted {
		m.StreamsInterrupted.WithLabelValues(model, prov).Inc()
	}
	if o.meterErr != nil {
		m.MeteringErrors.WithLabelValues(prov, meterErrorReason(o.meterErr)).Inc()
	}
	u := o.usage
	for _, t := range []struct {
		typ string
		n   int64
	}{{metrics.TokenInput, u.Input}, {metrics.TokenOutput, u.Output}, {metrics.TokenCacheRead, u.CacheRead}, {metrics.TokenCacheWrite, u.CacheWrite}} {
		if t.n > 0 {
			m.Tokens.WithLabelValues(team, model, prov, t.typ).Add(float64(t.n))
		}
	}
	if u.Reasoning > 0 {
		m.ReasoningTokens.WithLabelValues(team, model, prov).Add(float64(u.Reasoning))
	}
	if o.priced && o.cost > 0 {
		m.CostUSD.WithLabelValues(team, model, prov).Add(o.cost)
	}
	if !o.priced && !u.IsZero() {
		m.UnpricedTokens.WithLabelValues(model, prov).Add(float64(u.Total()))
	}
	genai := []string{metrics.GenAIProviderName(st.prov.Type()), model, operationName(st)}
	if !u.IsZero() {
		// The GenAI conventions count cached tokens as input.
		m.GenAITokenUsage.WithLabelValues(append([]string{"input"}, genai...)...).Observe(float64(u.Input + u.CacheRead + u.CacheWrite))
		m.GenAITokenUsage.WithLabelValues(append([]string{"output"}, genai...)...).Observe(float64(u.Output))
	}
	if st.code != 0 {
		m.GenAIDuration.WithLabelValues(genai...).Observe(o.duration.Seconds())
	}
	if o.ttft > 0 {
		m.GenAITTFT.WithLabelValues(genai...).Observe(o.ttft.Seconds())
	}
}

func operationName(st *stream) string {
	if st.kind.CountsTokens() {
		return "count_tokens"
	}
	return "chat"
}

func meterErrorReason(err error) string {
	switch {
	case errors.Is(err, sse.ErrEventTooLarge):
		return "event_too_large"
	case errors.Is(err, metering.ErrDecodedTooLarge):
		return "decoded_too_large"
	case errors.Is(err, metering.ErrBodyTooLarge):
		return "body_too_large"
	case errors.Is(err, metering.ErrUnsupportedEncoding):
		return "unsupported_encoding"
	default:
		return "malformed"
	}
}

// logRequest writes the one structured line per request.
func (st *stream) logRequest(o *outcome) {
	u := o.usage
	attrs := []slog.Attr{
		slog.String("request_id", st.hdr.requestID),
		slog.String("key", st.identity.Name),
		slog.String("team", st.identity.Team),
		slog.String("api", st.kind.String()),
		slog.String("model", st.route.Model),
		slog.String("upstream_model", st.route.UpstreamModel),
		slog.String("provider", st.route.Provider),
		slog.Int("status", st.code),
		slog.Int64("input_tokens", u.Input),
		slog.Int64("output_tokens", u.Output),
		slog.Int64("cache_read_tokens", u.CacheRead),
		slog.Int64("cache_write_tokens", u.CacheWrite),
		slog.Int64("reasoning_tokens", u.Reasoning),
		slog.Duration("duration", o.duration),
	}
	if o.priced {
		attrs = append(attrs, slog.Float64("cost_usd", o.cost))
	} else if !u.IsZero() {
		attrs = append(attrs, slog.Bool("unpriced", true))
	}
	if o.ttft > 0 {
		attrs = append(attrs, slog.Duration("ttft", o.ttft))
	}
	if v := st.hdr.all["x-claude-code-session-id"]; len(v) > 0 {
		attrs = append(attrs, slog.String("claude_code_session_id", v[0]))
	}
	if o.interrupted {
		attrs = append(attrs, slog.Bool("interrupted", true))
	}
	if o.meterErr != nil {
		attrs = append(attrs, slog.String("metering_error", o.meterErr.Error()))
	}
	st.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// metadata is the dynamic metadata for Envoy's access log, in namespace "tollgate".
func (st *stream) metadata(o *outcome) *structpb.Struct {
	u := o.usage
	fields := map[string]*structpb.Value{
		"model":              structpb.NewStringValue(st.route.Model),
		"provider":           structpb.NewStringValue(st.route.Provider),
		"upstream_model":     structpb.NewStringValue(st.route.UpstreamModel),
		"team":               structpb.NewStringValue(st.identity.Team),
		"input_tokens":       structpb.NewNumberValue(float64(u.Input)),
		"output_tokens":      structpb.NewNumberValue(float64(u.Output)),
		"cache_read_tokens":  structpb.NewNumberValue(float64(u.CacheRead)),
		"cache_write_tokens": structpb.NewNumberValue(float64(u.CacheWrite)),
	}
	if o.priced {
		fields["cost_usd"] = structpb.NewNumberValue(o.cost)
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		MetadataNamespace: structpb.NewStructValue(&structpb.Struct{Fields: fields}),
	}}
}

// crossCheck compares a Bedrock stream's usage with amazon-bedrock-invocationMetrics:
// a disagreement is counted and logged; a stream without Anthropic usage but with the
// metrics is metered from them.
func (st *stream) crossCheck(o *outcome) {
	f := st.resp.events
	if f == nil {
		return
	}
	im, ok := f.metrics()
	if !ok {
		return
	}
	if o.usage.IsZero() {
		o.usage = usage.Usage{Input: im.InputTokens, Output: im.OutputTokens, CacheRead: im.CacheReadTokens, CacheWrite: im.CacheWriteTokens}
		return
	}
	// Whether inputTokenCount includes cached tokens is not documented, so input is
	// compared only when nothing was cached.
	noCache := o.usage.CacheRead == 0 && o.usage.CacheWrite == 0
	if im.OutputTokens != o.usage.Output || (noCache && im.InputTokens != o.usage.Input) {
		if st.srv.metrics != nil {
			st.srv.metrics.UsageMismatch.WithLabelValues(st.route.Provider).Inc()
		}
		st.log.Warn("Bedrock invocation metrics disagree with the stream's usage", "request_id", st.hdr.requestID,
			"provider", st.route.Provider, "stream_input", o.usage.Input, "metrics_input", im.InputTokens,
			"stream_output", o.usage.Output, "metrics_output", im.OutputTokens)
	}
}

// price computes the cost of the usage with the request's price table. Usage without a
// price adds no cost; it is counted as unpriced and warned about once per model.
func (st *stream) price(o *outcome) {
	if !st.routed || o.usage.IsZero() || st.prices == nil {
		return
	}
	q := pricing.Query{PricingModel: st.route.PricingModel, ProviderType: st.prov.Type(),
		UpstreamModel: st.route.UpstreamModel, ClientModel: st.route.Model}
	p, _, ok := st.prices.Resolve(q)
	if !ok {
		if st.srv.warn != nil {
			st.srv.warn.Unpriced(q)
		}
		return
	}
	o.cost, o.priced = p.Cost(o.usage), true
}
