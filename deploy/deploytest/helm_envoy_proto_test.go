package deploytest

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tollgate/tollgate/envoy"
)

// TestChartEnvoyBootstrapValid loads the chart's rendered envoy.yaml the way Envoy would
// (strict protos, every typed_config resolved and validated, via package envoy) and checks
// each upstream's route: TLS with SNI and Host rewrite equal to the configured host; and the
// tollgate cluster: mTLS (on by default) with SNI equal to the host it dials.
func TestChartEnvoyBootstrapValid(t *testing.T) {
	bedrock := map[string]any{"envoy": map[string]any{"upstreams": []any{
		map[string]any{"provider": "anthropic", "host": "api.anthropic.com"},
		map[string]any{"provider": "bedrock-tokyo", "host": "bedrock-runtime.ap-northeast-1.amazonaws.com", "port": 443},
	}}}
	cases := append(renderCases(), renderCase{name: "custom upstreams", release: "tg", ns: "ai", values: bedrock, fullname: "tg-tollgate"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			cm := get[*corev1.ConfigMap](t, r, "ConfigMap", tc.fullname+"-envoy")
			b, err := envoy.ParseBootstrap([]byte(cm.Data["envoy.yaml"]))
			if err != nil {
				t.Fatalf("rendered envoy.yaml: %v", err)
			}
			if e := renderedEnvoyTLS(t, r, tc.fullname+"-envoy"); e.ctx == nil || e.ctx.GetSni() != e.host ||
				len(e.ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs()) != 1 {
				t.Errorf("tollgate cluster TLS %v: want a client certificate and SNI %s", e.ctx, e.host)
			}
			routes, err := envoy.ProviderRoutes(b)
			if err != nil {
				t.Fatal(err)
			}
			upstreams := renderedUpstreams(t, tc.values)
			if len(routes) != len(upstreams) {
				t.Errorf("%d provider routes, want %d (%v)", len(routes), len(upstreams), upstreams)
			}
			for provider, host := range upstreams {
				ri, ok := routes[provider]
				if !ok {
					t.Errorf("no route for provider %s", provider)
					continue
				}
				if !ri.TLS || ri.UpstreamSNI() != host || ri.UpstreamHost() != host || ri.Endpoint() != host+":443" {
					t.Errorf("provider %s: %+v, want TLS to %s:443 with matching SNI and Host", provider, ri, host)
				}
			}
		})
	}
}

// renderedUpstreams is provider → host of envoy.upstreams in values, else in values.yaml.
func renderedUpstreams(t *testing.T, values map[string]any) map[string]string {
	t.Helper()
	var ups []any
	for _, vals := range []map[string]any{values, loadChart(t).Values} {
		if e, ok := vals["envoy"].(map[string]any); ok && ups == nil {
			ups, _ = e["upstreams"].([]any)
		}
	}
	if len(ups) == 0 {
		t.Fatal("no envoy.upstreams in values or chart defaults")
	}
	out := map[string]string{}
	for _, u := range ups {
		m := u.(map[string]any)
		out[m["provider"].(string)] = m["host"].(string)
	}
	return out
}
