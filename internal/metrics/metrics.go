// Package metrics defines every Prometheus metric tollgate exports on its admin port.
// The README lists them; names and labels are an interface users build dashboards on.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are tollgate's request and usage metrics. Label values come only from routed
// model names (bounded for glob rules, see extproc/labels.go), configured teams and
// provider names.
type Metrics struct {
	Tokens             *prometheus.CounterVec // team, model, provider, token_type
	ReasoningTokens    *prometheus.CounterVec // team, model, provider
	CostUSD            *prometheus.CounterVec // team, model, provider
	Requests           *prometheus.CounterVec // team, model, provider, code
	UnpricedTokens     *prometheus.CounterVec // model, provider
	StreamsInterrupted *prometheus.CounterVec // model, provider
	CredentialErrors   *prometheus.CounterVec // provider
	// AdmissionRejections counts requests refused with 503 before tollgate took their
	// body (reason: inflight_body_bytes).
	AdmissionRejections *prometheus.CounterVec // reason
	MeteringErrors      *prometheus.CounterVec // provider, reason
	UsageMismatch       *prometheus.CounterVec // provider
	// UnroutedRequests counts requests refused because no rule matched their model,
	// labelled with the name only when the price table knows it (else "other").
	UnroutedRequests *prometheus.CounterVec // model
	// UnmeteredResponses counts successful responses in which tollgate found no usage
	// it could read (for example from an endpoint it does not know): never silently free.
	UnmeteredResponses *prometheus.CounterVec // provider, api
	// BetasDropped counts anthropic-beta flags a provider's platform does not accept,
	// removed before the request left; beta is a name from the provider's betas data or
	// "other".
	BetasDropped *prometheus.CounterVec // provider, beta
	// TranslationDropped counts request fields a translation between client APIs left out.
	TranslationDropped *prometheus.CounterVec // from, to, field

	ReloadSuccess   prometheus.Gauge
	ReloadTimestamp prometheus.Gauge

	GenAITokenUsage *prometheus.HistogramVec // gen_ai_token_type, gen_ai_provider_name, gen_ai_request_model, gen_ai_operation_name
	GenAIDuration   *prometheus.HistogramVec // gen_ai_provider_name, gen_ai_request_model, gen_ai_operation_name
	GenAITTFT       *prometheus.HistogramVec // same

	// Budget: the budgets and the rate-limit service (budget.go).
	Budget *Budget
}

// Token types, the values of the token_type label.
const (
	TokenInput      = "input"
	TokenOutput     = "output"
	TokenCacheRead  = "cache_read"
	TokenCacheWrite = "cache_write"
)

// The OpenTelemetry GenAI semantic-convention bucket boundaries.
var (
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	ttftBuckets     = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0}
)

// New creates the metrics and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	genai := []string{"gen_ai_provider_name", "gen_ai_request_model", "gen_ai_operation_name"}
	m := &Metrics{
		Tokens: counter("tollgate_tokens_total",
			"Tokens used, by token type (input, output, cache_read, cache_write; disjoint, their sum is every billed token).",
			"team", "model", "provider", "token_type"),
		ReasoningTokens: counter("tollgate_reasoning_tokens_total",
			"Output tokens that were reasoning, where the provider reports them (a part of output).",
			"team", "model", "provider"),
		CostUSD: counter("tollgate_cost_usd_total", "Cost of the usage in US dollars.",
			"team", "model", "provider"),
		Requests: counter("tollgate_requests_total", "Requests by final HTTP status code.",
			"team", "model", "provider", "code"),
		UnpricedTokens: counter("tollgate_unpriced_tokens_total", "Tokens used by models that have no price.",
			"model", "provider"),
		StreamsInterrupted: counter("tollgate_streams_interrupted_total",
			"Responses whose stream ended before its end (client gone, upstream reset, Envoy closed the stream); usage seen so far is still recorded.",
			"model", "provider"),
		CredentialErrors: counter("tollgate_credential_errors_total",
			"Requests refused because a provider's credential source failed.", "provider"),
		AdmissionRejections: counter("tollgate_admission_rejections_total",
			"Requests refused with a fast 503 because accepting them would exceed a bound (reason: inflight_body_bytes).", "reason"),
		MeteringErrors: counter("tollgate_metering_errors_total",
			"Responses whose metering stopped early (event too large, bad frame, decompression cap); the client's response is unaffected.",
			"provider", "reason"),
		UsageMismatch: counter("tollgate_usage_mismatch_total",
			"Bedrock streams whose Anthropic usage disagreed with amazon-bedrock-invocationMetrics.", "provider"),
		UnroutedRequests: counter("tollgate_unrouted_requests_total",
			"Requests refused because no model rule matches their model; model is the requested name when the price table knows it, else \"other\".",
			"model"),
		UnmeteredResponses: counter("tollgate_unmetered_responses_total",
			"Successful responses that carried no usage tollgate could read (an endpoint it does not know, a body of no known shape); their cost is unknown, not zero.",
			"provider", "api"),
		BetasDropped: counter("tollgate_anthropic_betas_dropped_total",
			"anthropic-beta flags removed because the provider's platform (Bedrock, Vertex AI) does not accept them, with the body fields that belong to them.",
			"provider", "beta"),
		TranslationDropped: counter("tollgate_translation_dropped_fields_total",
			"Request fields left out by a translation between client APIs because the upstream API has no equivalent (field: a known name, or other).",
			"from", "to", "field"),
		ReloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tollgate_config_last_reload_successful",
			Help: "Whether the last configuration load succeeded (1) or failed (0)."}),
		ReloadTimestamp: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tollgate_config_last_reload_timestamp_seconds",
			Help: "Unix time of the last successful configuration load."}),
		GenAITokenUsage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_client_token_usage",
			Help: "OpenTelemetry GenAI gen_ai.client.token.usage: tokens per request by gen_ai_token_type (input includes cached tokens).", Buckets: tokenBuckets},
			append([]string{"gen_ai_token_type"}, genai...)),
		GenAIDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_server_request_duration_seconds",
			Help: "OpenTelemetry GenAI gen_ai.server.request.duration: from request headers to the end of the response.", Buckets: durationBuckets}, genai),
		GenAITTFT: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gen_ai_server_time_to_first_token_seconds",
			Help: "OpenTelemetry GenAI gen_ai.server.time_to_first_token: from request headers to the first output content of a stream.", Buckets: ttftBuckets}, genai),
	}
	reg.MustRegister(m.UnroutedRequests)
	m.Budget = newBudget()
	reg.MustRegister(m.Budget.collectors()...)
	reg.MustRegister(m.Tokens, m.ReasoningTokens, m.CostUSD, m.Requests, m.UnpricedTokens,
		m.StreamsInterrupted, m.CredentialErrors, m.AdmissionRejections, m.MeteringErrors, m.UsageMismatch,
		m.UnmeteredResponses, m.BetasDropped, m.TranslationDropped,
		m.ReloadSuccess, m.ReloadTimestamp, m.GenAITokenUsage, m.GenAIDuration, m.GenAITTFT)
	return m
}
