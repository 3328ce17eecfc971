package deploytest

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/tollgate/tollgate/internal/config"
)

// TestChartConfigLoads loads the rendered tollgate.yaml with tollgate's own strict config
// loader, resolving ${VAR} only from the variables the container actually sets.
func TestChartConfigLoads(t *testing.T) {
	withKeys := map[string]any{"config": map[string]any{"keys": []any{map[string]any{
		"name": "alice", "team": "platform",
		"key_sha256": "3f71b185bc01c8dcd1a763e02d5fc26fac376d89204fabef9db83e5897cc6bbf",
	}}}}
	cases := append(renderCases(), renderCase{name: "with keys", release: "tollgate", ns: "llm", values: withKeys, fullname: "tollgate"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			c := container(t, get[*appsv1.Deployment](t, r, "Deployment", tc.fullname), "tollgate")
			set := map[string]bool{}
			for _, e := range c.Env {
				set[e.Name] = true
			}
			lookup := func(name string) (string, bool) {
				if set[name] {
					return "value-of-" + name, true
				}
				return "", false
			}
			cm := get[*corev1.ConfigMap](t, r, "ConfigMap", tc.fullname)
			l, err := config.Parse("tollgate.yaml", []byte(cm.Data["tollgate.yaml"]), lookup)
			if err != nil {
				t.Fatalf("rendered tollgate.yaml does not load:\n%v", err)
			}
			if len(l.EnvVars) == 0 {
				t.Error("rendered tollgate.yaml references no environment variable")
			}
		})
	}
}

// TestChartConfigNeedsItsSecrets: without providerSecrets the ${VAR}s of the default config
// are unset, and tollgate's loader rejects the file (naming the variable).
func TestChartConfigNeedsItsSecrets(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", map[string]any{"providerSecrets": []any{}})
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate")
	_, err := config.Parse("tollgate.yaml", []byte(cm.Data["tollgate.yaml"]), func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
		t.Fatalf("err = %v, want one naming ANTHROPIC_API_KEY", err)
	}
}
