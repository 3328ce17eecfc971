package deploytest

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

func TestChartLint(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
	}{
		{name: "defaults"},
		{name: "all features", values: allFeatures()},
		{name: "without envoy", values: map[string]any{"envoy": map[string]any{"enabled": false}}},
		{name: "cert-manager", values: certManagerValues(nil)},
		{name: "mTLS and policies off", values: map[string]any{
			"tls": map[string]any{"enabled": false}, "networkPolicy": map[string]any{"enabled": false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lint.All(repoPath(chartDir), tt.values, "llm", false)
			for _, m := range l.Messages {
				// INFO messages are suggestions (an icon); warnings and errors fail.
				if m.Severity >= support.WarningSev {
					t.Errorf("lint: %s", m)
				}
			}
		})
	}
}

// allFeatures turns on every optional object of the chart.
func allFeatures() map[string]any {
	return map[string]any{
		"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "kube-prometheus"}},
		"autoscaling":    map[string]any{"enabled": true, "targetMemoryUtilizationPercentage": 80},
		"ingress":        ingressValues()["ingress"],
		"gatewayAPI": map[string]any{"enabled": true, "hostnames": []any{"llm.example.com"},
			"gateway": map[string]any{"create": true, "className": "eg", "certificateRefs": []any{map[string]any{"name": "llm-example-tls"}}}},
	}
}

func TestChartRenderErrors(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		wantErr string
	}{
		{
			name: "provider secret without key",
			values: map[string]any{"providerSecrets": []any{
				map[string]any{"env": "ANTHROPIC_API_KEY", "existingSecret": "s"}}},
			wantErr: "providerSecrets[].key is required",
		},
		{
			name: "upstream named like the ext_proc cluster",
			values: map[string]any{"envoy": map[string]any{"upstreams": []any{
				map[string]any{"provider": "tollgate", "host": "example.com"}}}},
			wantErr: `provider name "tollgate"`,
		},
		{
			name: "upstream named like the admin cluster",
			values: map[string]any{"envoy": map[string]any{"upstreams": []any{
				map[string]any{"provider": "envoy_admin", "host": "example.com"}}}},
			wantErr: `provider name "envoy_admin"`,
		},
	}
	ch := loadChart(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderChart(ch, "tollgate", "llm", tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
