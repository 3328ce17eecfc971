package deploytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/tollgate/tollgate/check"
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
					return fakeEnvValue(name), true
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

// TestChartConfigPassesStrictCheck: `tollgate check -strict` (the release pipeline's gate) on the
// chart's rendered tollgate.yaml and envoy.yaml passes once client keys are set: with mTLS on
// by default there is no exposed-port warning. With tls.enabled=false it warns about the
// gRPC port.
func TestChartConfigPassesStrictCheck(t *testing.T) {
	keys := []any{map[string]any{"name": "alice", "team": "platform",
		"key_sha256": "3f71b185bc01c8dcd1a763e02d5fc26fac376d89204fabef9db83e5897cc6bbf"}}
	run := func(values map[string]any, strict bool) check.Report {
		t.Helper()
		r := decodeRender(t, "tollgate", "llm", values)
		dir := t.TempDir()
		cfg, envoyConf := filepath.Join(dir, "tollgate.yaml"), filepath.Join(dir, "envoy.yaml")
		for path, text := range map[string]string{
			cfg:       get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate").Data["tollgate.yaml"],
			envoyConf: get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate-envoy").Data["envoy.yaml"],
		} {
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return check.Run(check.Options{Config: cfg, Envoy: envoyConf, Strict: strict,
			Lookup: func(string) (string, bool) { return "set", true }})
	}
	if r := run(map[string]any{"config": map[string]any{"keys": keys}}, true); !r.OK || len(r.Warnings) != 0 {
		t.Errorf("check -strict on the chart with keys: errors %q, warnings %q", r.Errors, r.Warnings)
	}
	r := run(map[string]any{"config": map[string]any{"keys": keys}, "tls": map[string]any{"enabled": false}}, false)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "hands provider credentials to any peer") {
		t.Errorf("check with tls.enabled=false: warnings %q, want the exposed gRPC port", r.Warnings)
	}
}
