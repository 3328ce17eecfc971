package deploytest

import (
	"slices"
	"strings"
	"testing"
)

// TestCheckExpr proves the dashboard checker both accepts correct expressions and rejects the
// mistakes it exists to catch.
func TestCheckExpr(t *testing.T) {
	tests := []struct {
		name       string
		expr       string
		families   []string
		labels     []string
		errContain string
	}{
		{
			name:     "rate by team with grafana variables",
			expr:     `sum by (team) (rate(tollgate_tokens_total{team=~"$team",model=~"${model}"}[$__rate_interval]))`,
			families: []string{"tollgate_tokens_total"},
			labels:   []string{"team"},
		},
		{
			name:     "histogram quantile strips le",
			expr:     `histogram_quantile(0.9, sum by (le, gen_ai_request_model) (rate(gen_ai_server_time_to_first_token_seconds_bucket[5m])))`,
			families: []string{"gen_ai_server_time_to_first_token_seconds"},
			labels:   []string{"gen_ai_request_model"},
		},
		{
			name:     "mean from sum and count",
			expr:     `sum(rate(gen_ai_server_request_duration_seconds_sum[5m])) / sum(rate(gen_ai_server_request_duration_seconds_count[5m]))`,
			families: []string{"gen_ai_server_request_duration_seconds"},
		},
		{
			name:     "gauge arithmetic",
			expr:     `time() - max(tollgate_config_last_reload_timestamp_seconds)`,
			families: []string{"tollgate_config_last_reload_timestamp_seconds"},
		},
		{
			name:     "without keeps the other labels",
			expr:     `sum without (token_type) (tollgate_tokens_total)`,
			families: []string{"tollgate_tokens_total"},
			labels:   []string{"model", "provider", "team"},
		},
		{name: "unknown metric", expr: `rate(tollgate_tokens[5m])`, errContain: "unknown metric tollgate_tokens"},
		{name: "bucket of a counter", expr: `rate(tollgate_requests_total_bucket[5m])`, errContain: "unknown metric"},
		{name: "bare histogram name", expr: `gen_ai_client_token_usage`, errContain: "exposed only as"},
		{name: "matcher on missing label", expr: `tollgate_credential_errors_total{model="x"}`, errContain: `no label "model"`},
		{name: "group by missing label", expr: `sum by (team) (rate(tollgate_unpriced_tokens_total[5m]))`, errContain: `"team": no such label`},
		{name: "group by label dropped by inner sum", expr: `sum by (model) (sum by (team) (tollgate_cost_usd_total))`, errContain: `"model": no such label`},
		{name: "quantile without buckets", expr: `histogram_quantile(0.5, sum(rate(gen_ai_server_request_duration_seconds_count[5m])))`, errContain: "without le"},
		{name: "no metric", expr: `vector(1)`, errContain: "selects no metric"},
		{name: "syntax error", expr: `sum by (team (tollgate_tokens_total)`, errContain: "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkExpr(tt.expr, KnownMetrics)
			if tt.errContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContain) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errContain)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.families, tt.families) {
				t.Errorf("families = %v, want %v", got.families, tt.families)
			}
			var lbls []string
			for l := range got.labels {
				lbls = append(lbls, l)
			}
			slices.Sort(lbls)
			if !slices.Equal(lbls, tt.labels) {
				t.Errorf("labels = %v, want %v", lbls, tt.labels)
			}
		})
	}
}

func TestLegendLabels(t *testing.T) {
	tests := []struct {
		format string
		want   []string
	}{
		{"", nil},
		{"p90", nil},
		{"{{team}}", []string{"team"}},
		{"{{ provider }} {{model}} {{provider}}", []string{"provider", "model"}},
	}
	for _, tt := range tests {
		if got := legendLabels(tt.format); !slices.Equal(got, tt.want) {
			t.Errorf("legendLabels(%q) = %v, want %v", tt.format, got, tt.want)
		}
	}
}
