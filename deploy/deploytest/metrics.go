package deploytest

// MetricKind is the Prometheus type of a metric family.
type MetricKind string

// The metric kinds tollgate exports.
const (
	Counter   MetricKind = "counter"
	Gauge     MetricKind = "gauge"
	Histogram MetricKind = "histogram"
)

// Metric describes one metric family as exposed on tollgate's admin /metrics: its kind and
// its label names in a fixed order. A histogram family named N is exposed as the series
// N_bucket (with the extra label "le"), N_sum and N_count.
type Metric struct {
	Kind   MetricKind
	Labels []string
}

// genAILatencyLabels are the labels of the gen_ai_server_* duration histograms.
var genAILatencyLabels = []string{"gen_ai_provider_name", "gen_ai_request_model", "gen_ai_operation_name"}

// KnownMetrics is every metric family tollgate exports, by name. Dashboards, alerts and docs
// may reference only these (alerts also PlannedMetrics); the metrics package checks its
// registry against this set.
var KnownMetrics = map[string]Metric{
	"tollgate_tokens_total":                           {Counter, []string{"team", "model", "provider", "token_type"}},
	"tollgate_reasoning_tokens_total":                 {Counter, []string{"team", "model", "provider"}},
	"tollgate_cost_usd_total":                         {Counter, []string{"team", "model", "provider"}},
	"tollgate_requests_total":                         {Counter, []string{"team", "model", "provider", "code"}},
	"tollgate_unpriced_tokens_total":                  {Counter, []string{"model", "provider"}},
	"tollgate_streams_interrupted_total":              {Counter, []string{"model", "provider"}},
	"tollgate_credential_errors_total":                {Counter, []string{"provider"}},
	"tollgate_admission_rejections_total":             {Counter, []string{"reason"}},
	"tollgate_metering_errors_total":                  {Counter, []string{"provider", "reason"}},
	"tollgate_translation_dropped_fields_total":       {Counter, []string{"from", "to", "field"}},
	"tollgate_usage_mismatch_total":                   {Counter, []string{"provider"}},
	"tollgate_unrouted_requests_total":                {Counter, []string{"model"}},
	"tollgate_ratelimit_errors_total":                 {Counter, []string{"reason"}},
	"tollgate_budget_rejections_total":                {Counter, []string{"budget", "team"}},
	"tollgate_budget_shadow_rejections_total":         {Counter, []string{"budget", "team"}},
	"tollgate_budget_remaining":                       {Gauge, []string{"budget", "team"}},
	"tollgate_budget_limit":                           {Gauge, []string{"budget", "team"}},
	"tollgate_unmetered_responses_total":              {Counter, []string{"provider", "api"}},
	"tollgate_anthropic_betas_dropped_total":          {Counter, []string{"provider", "beta"}},
	"tollgate_config_last_reload_successful":          {Gauge, nil},
	"tollgate_config_last_reload_timestamp_seconds":   {Gauge, nil},
	"tollgate_pricing_last_refresh_success":           {Gauge, nil},
	"tollgate_pricing_last_refresh_timestamp_seconds": {Gauge, nil},
	"tollgate_pricing_models":                         {Gauge, nil},
	"gen_ai_client_token_usage": {Histogram, []string{
		"gen_ai_token_type", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_operation_name"}},
	"gen_ai_server_request_duration_seconds":    {Histogram, genAILatencyLabels},
	"gen_ai_server_time_to_first_token_seconds": {Histogram, genAILatencyLabels},
}

// PlannedMetrics are the second-wave metric families (DESIGN.md "Second wave") that tollgate
// does not export yet. Alert rules may use them, so that an alert is ready when its metric
// lands; the dashboard and the metrics package's registry test use only KnownMetrics. When a
// metric is implemented, move it to KnownMetrics (and give it a dashboard panel).
//
// tollgate_budget_limit is not in DESIGN.md: it is the budget's limit in the unit of
// tollgate_budget_remaining (USD or tokens), which the budget alert divides by.
var PlannedMetrics = map[string]Metric{}
