package deploytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/tollgate/tollgate/check"
	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
)

// budgetValues turn on the rate-limit service and declare two budgets.
func budgetValues(ratelimit map[string]any, redis map[string]any) map[string]any {
	rl := map[string]any{"enabled": true, "domain": "llm-budgets", "failureMode": "closed"}
	for k, v := range ratelimit {
		rl[k] = v
	}
	vals := map[string]any{
		"ratelimit": rl,
		"config": map[string]any{
			"keys": []any{map[string]any{"name": "alice", "team": "platform",
				"key_sha256": "3f71b185bc01c8dcd1a763e02d5fc26fac376d89204fabef9db83e5897cc6bbf"}},
			"budgets": []any{
				map[string]any{"name": "team-daily", "per": "team", "usd": 200, "window": "day"},
				map[string]any{"name": "opus-tokens", "per": "key", "tokens": 1000000, "window": "month",
					"models": []any{"claude-opus-*"}, "shadow": true},
			},
		},
	}
	if redis != nil {
		vals["redis"] = redis
	}
	return vals
}

func env(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

// TestChartBudgets: with ratelimit.enabled the chart runs envoyproxy/ratelimit (the
// commit CI tests) on its own Redis, tollgate.yaml's ratelimit section names the
// service's gRPC port and loads with the budgets, the service reads the domain file
// `tollgate ratelimit-config` prints, and only tollgate reaches the service and only the
// service reaches Redis.
func TestChartBudgets(t *testing.T) {
	r := decodeRender(t, "prod", "llm", budgetValues(nil, nil))
	const full, rlName, redisName = "prod-tollgate", "prod-tollgate-ratelimit", "prod-tollgate-redis"

	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", full)
	l, err := config.Parse("tollgate.yaml", []byte(cm.Data["tollgate.yaml"]), func(string) (string, bool) { return "set", true })
	if err != nil {
		t.Fatalf("rendered tollgate.yaml does not load:\n%v", err)
	}
	if rl := l.Ratelimit; rl == nil || rl.Domain != "llm-budgets" || rl.FailureMode != "closed" || rl.Timeout != "200ms" || len(l.Budgets) != 2 {
		t.Fatalf("ratelimit %+v, %d budgets", l.Ratelimit, len(l.Budgets))
	}
	host, port, err := splitHostPort(l.Ratelimit.Address)
	if err != nil {
		t.Fatal(err)
	}
	svc := get[*corev1.Service](t, r, "Service", host)
	rl := get[*appsv1.Deployment](t, r, "Deployment", rlName)
	c := container(t, rl, "ratelimit")
	if host != rlName || len(svc.Spec.Ports) != 1 || int(svc.Spec.Ports[0].Port) != port ||
		svc.Spec.Ports[0].TargetPort.String() != "grpc" || containerPort(t, c, "grpc") != port {
		t.Errorf("ratelimit.address %s: Service %s ports %+v", l.Ratelimit.Address, svc.Name, svc.Spec.Ports)
	}
	if !selects(svc.Spec.Selector, rl.Spec.Template.Labels) {
		t.Errorf("Service %s does not select the rate-limit pods", svc.Name)
	}
	commit := strings.TrimPrefix(service(t, loadCompose(t), "ratelimit").Image, "envoyproxy/ratelimit:")
	if c.Image != "envoyproxy/ratelimit:"+commit {
		t.Errorf("ratelimit image %s, want the compose file's (the commit CI tests) %s", c.Image, commit)
	}

	e := env(c)
	if !mountsConfigMap(rl, rlName, e["RUNTIME_ROOT"]+"/"+e["RUNTIME_SUBDIRECTORY"]+"/config") {
		t.Errorf("the domain ConfigMap is not mounted where the service reads it (%s/%s/config)", e["RUNTIME_ROOT"], e["RUNTIME_SUBDIRECTORY"])
	}
	rcm := get[*corev1.ConfigMap](t, r, "ConfigMap", rlName)
	if got, want := rcm.Data["llm-budgets.yaml"], string(budget.RatelimitConfig("llm-budgets")); got != want {
		t.Errorf("domain config:\n%q\nwant what tollgate ratelimit-config prints:\n%q", got, want)
	}
	if e["GRPC_PORT"] != "8081" || e["USE_STATSD"] != "false" || e["REDIS_SOCKET_TYPE"] != "tcp" {
		t.Errorf("ratelimit env %v", e)
	}

	redis := get[*appsv1.Deployment](t, r, "Deployment", redisName)
	rhost, rport, err := splitHostPort(e["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	rsvc := get[*corev1.Service](t, r, "Service", rhost)
	if rhost != redisName || int(rsvc.Spec.Ports[0].Port) != rport || !selects(rsvc.Spec.Selector, redis.Spec.Template.Labels) ||
		containerPort(t, container(t, redis, "redis"), "redis") != 6379 {
		t.Errorf("REDIS_URL %s does not reach the redis pods", e["REDIS_URL"])
	}
	for _, d := range []*appsv1.Deployment{rl, redis} {
		pod := d.Spec.Template.Spec.SecurityContext
		sc := d.Spec.Template.Spec.Containers[0].SecurityContext
		if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: want non-root with a read-only root fs", d.Name)
		}
	}

	// Only tollgate reaches the service; only the service reaches Redis.
	tgPods := get[*appsv1.Deployment](t, r, "Deployment", full).Spec.Template.Labels
	envoyPods := get[*appsv1.Deployment](t, r, "Deployment", full+"-envoy").Spec.Template.Labels
	for _, p := range []struct {
		policy, port string
		pods         *appsv1.Deployment
		from         map[string]string
	}{{rlName, "grpc", rl, tgPods}, {redisName, "redis", redis, rl.Spec.Template.Labels}} {
		np := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", p.policy)
		if !podSelects(&np.Spec.PodSelector, p.pods.Spec.Template.Labels) {
			t.Errorf("policy %s does not select %s", np.Name, p.pods.Name)
		}
		rules := policyRules(t, np, p.pods.Spec.Template.Spec.Containers[0])
		peers := rules[p.port]
		if len(rules) != 1 || len(peers) != 1 || peers[0].NamespaceSelector != nil || !podSelects(peers[0].PodSelector, p.from) ||
			podSelects(peers[0].PodSelector, envoyPods) {
			t.Errorf("policy %s admits %+v", np.Name, rules)
		}
	}

	// The release pipeline's gate passes on the rendered files.
	dir := t.TempDir()
	cfg, envoyConf := filepath.Join(dir, "tollgate.yaml"), filepath.Join(dir, "envoy.yaml")
	for path, text := range map[string]string{cfg: cm.Data["tollgate.yaml"],
		envoyConf: get[*corev1.ConfigMap](t, r, "ConfigMap", full+"-envoy").Data["envoy.yaml"]} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if rep := check.Run(check.Options{Config: cfg, Envoy: envoyConf, Strict: true,
		Lookup: func(string) (string, bool) { return "set", true }}); !rep.OK {
		t.Errorf("check -strict: errors %q, warnings %q", rep.Errors, rep.Warnings)
	}
}

// TestChartBudgetsOwnRedis: redis.enabled false uses ratelimit.redisURL and renders no
// Redis; without a URL the render fails and says why. By default nothing of it renders.
func TestChartBudgetsOwnRedis(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", budgetValues(map[string]any{"redisURL": "redis.shared:6380"}, map[string]any{"enabled": false}))
	if got := env(container(t, get[*appsv1.Deployment](t, r, "Deployment", "tollgate-ratelimit"), "ratelimit"))["REDIS_URL"]; got != "redis.shared:6380" {
		t.Errorf("REDIS_URL %q", got)
	}
	for id := range r.objects {
		if strings.Contains(id, "-redis") {
			t.Errorf("%s rendered with redis.enabled false", id)
		}
	}
	if _, err := renderChart(loadChart(t), "tollgate", "llm", budgetValues(nil, map[string]any{"enabled": false})); err == nil ||
		!strings.Contains(err.Error(), "ratelimit.redisURL is required") {
		t.Errorf("err = %v", err)
	}
	def := decodeRender(t, "tollgate", "llm", nil)
	for id := range def.objects {
		if strings.Contains(id, "-ratelimit") || strings.Contains(id, "-redis") {
			t.Errorf("%s rendered by default", id)
		}
	}
	if strings.Contains(get[*corev1.ConfigMap](t, def, "ConfigMap", "tollgate").Data["tollgate.yaml"], "ratelimit") {
		t.Error("tollgate.yaml has a ratelimit section by default")
	}
}

func TestChartBudgetsLint(t *testing.T) {
	for name, vals := range map[string]map[string]any{
		"budgets":                 budgetValues(nil, nil),
		"budgets, policies off":   mergeValues(budgetValues(nil, nil), map[string]any{"networkPolicy": map[string]any{"enabled": false}}),
		"budgets, own redis":      budgetValues(map[string]any{"redisURL": "r:6379"}, map[string]any{"enabled": false}),
		"budgets, redis on a PVC": budgetValues(nil, map[string]any{"existingClaim": "redis-data"}),
	} {
		l := lint.All(repoPath(chartDir), vals, "llm", false)
		for _, m := range l.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("%s: lint: %s", name, m)
			}
		}
	}
}

func mergeValues(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
