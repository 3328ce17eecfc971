package deploytest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
)

func configChecksum(t *testing.T, values map[string]any) string {
	t.Helper()
	d := get[*appsv1.Deployment](t, decodeRender(t, "tollgate", "llm", values), "Deployment", "tollgate")
	return d.Spec.Template.Annotations["checksum/config"]
}

func configValues(kv map[string]any) map[string]any { return map[string]any{"config": kv} }

// TestChartChecksumCoversRestartOnly: the tollgate pods roll (checksum/config changes) when a
// setting tollgate reads only at start changes — every one of config.RestartOnly — and not
// when a setting that hot-reloads does; with server.watch_config false, every change rolls.
func TestChartChecksumCoversRestartOnly(t *testing.T) {
	base := configChecksum(t, nil)
	restartOnly := map[string]map[string]any{
		"listen":                        {"ports": map[string]any{"grpc": 50052}},
		"admin":                         {"ports": map[string]any{"admin": 9465}},
		"server.tls":                    {"tls": map[string]any{"enabled": false}},
		"server.reload_endpoint":        configValues(map[string]any{"server": map[string]any{"reload_endpoint": false}}),
		"server.watch_config":           configValues(map[string]any{"server": map[string]any{"watch_config": false}}),
		"limits.max_concurrent_streams": configValues(map[string]any{"limits": map[string]any{"max_concurrent_streams": 100}}),
		"limits.max_request_body":       configValues(map[string]any{"limits": map[string]any{"max_request_body": 1 << 20}}),
		"pricing.url":                   configValues(map[string]any{"pricing": map[string]any{"url": "https://prices.example/p.json"}}),
		"pricing.refresh":               configValues(map[string]any{"pricing": map[string]any{"refresh": "1h"}}),
		"pricing.timeout":               configValues(map[string]any{"pricing": map[string]any{"timeout": "5s"}}),
		"ratelimit":                     configValues(map[string]any{"ratelimit": map[string]any{"address": "ratelimit:8081"}}),
	}
	for _, name := range config.RestartOnly {
		v, ok := restartOnly[name]
		if !ok {
			t.Errorf("restart-only setting %q: no change tested here; add one (and to tollgate.configChecksum)", name)
			continue
		}
		if configChecksum(t, v) == base {
			t.Errorf("changing %s does not roll the pods", name)
		}
	}
	for name := range restartOnly {
		if !slices.Contains(config.RestartOnly, name) {
			t.Errorf("%q is tested as restart-only but is not in config.RestartOnly", name)
		}
	}
	reloadable := map[string]map[string]any{
		"models": configValues(map[string]any{"models": []any{map[string]any{"match": "claude-*", "provider": "anthropic"}}}),
		"keys": configValues(map[string]any{"keys": []any{map[string]any{"name": "bob", "team": "research",
			"key_sha256": strings.Repeat("cd", 32)}}}),
		"limits.max_inflight_body_bytes": configValues(map[string]any{"limits": map[string]any{"max_inflight_body_bytes": 1 << 30}}),
		"limits.stream_idle_timeout":     configValues(map[string]any{"limits": map[string]any{"stream_idle_timeout": "1m"}}),
		"server.log_level":               configValues(map[string]any{"server": map[string]any{"log_level": "debug"}}),
		"pricing.overrides": configValues(map[string]any{"pricing": map[string]any{"overrides": map[string]any{
			"claude-x": map[string]any{"input": 1, "output": 2}}}}),
	}
	for name, v := range reloadable {
		if configChecksum(t, v) != base {
			t.Errorf("changing %s (which hot-reloads) rolls the pods", name)
		}
	}
	noWatch := func(extra map[string]any) map[string]any {
		cfg := map[string]any{"server": map[string]any{"watch_config": false}}
		for k, v := range extra {
			cfg[k] = v
		}
		return configValues(cfg)
	}
	if configChecksum(t, noWatch(nil)) == configChecksum(t, noWatch(reloadable["models"]["config"].(map[string]any))) {
		t.Error("with watch_config false a models change does not roll the pods (nothing would reload it)")
	}
}

// TestChartTollgateGracefulShutdown: terminationGracePeriodSeconds covers the preStop sleep,
// server.drain_delay, server.shutdown_grace and the cut-off, and tollgate.yaml gets the same
// values; GOMEMLIMIT comes from the container's memory limit.
func TestChartTollgateGracefulShutdown(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		values                map[string]any
		preStop, drain, grace int64
		memoryLimit           bool
	}{
		{"defaults", nil, 5, 10, 120, true},
		{"no preStop, no memory limit", map[string]any{
			"shutdown":  map[string]any{"preStopSleepSeconds": 0, "drainDelaySeconds": 3, "graceSeconds": 30},
			"resources": map[string]any{"limits": nil}}, 0, 3, 30, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, "tollgate", "llm", tc.values)
			d := get[*appsv1.Deployment](t, r, "Deployment", "tollgate")
			c := container(t, d, "tollgate")
			spec := d.Spec.Template.Spec
			if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds != tc.preStop+tc.drain+tc.grace+10 {
				t.Errorf("terminationGracePeriodSeconds = %v, want %d", spec.TerminationGracePeriodSeconds, tc.preStop+tc.drain+tc.grace+10)
			}
			var sleep int64
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
				sleep = c.Lifecycle.PreStop.Sleep.Seconds
			}
			if sleep != tc.preStop || (tc.preStop == 0 && c.Lifecycle != nil) {
				t.Errorf("preStop %+v, want a sleep of %ds", c.Lifecycle, tc.preStop)
			}
			var cfg struct {
				Server struct {
					DrainDelay    string `json:"drain_delay"`
					ShutdownGrace string `json:"shutdown_grace"`
				} `json:"server"`
			}
			if err := yaml.Unmarshal([]byte(get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate").Data["tollgate.yaml"]), &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Server.DrainDelay != fmt.Sprintf("%ds", tc.drain) || cfg.Server.ShutdownGrace != fmt.Sprintf("%ds", tc.grace) {
				t.Errorf("tollgate.yaml server %+v, want drain_delay %ds, shutdown_grace %ds", cfg.Server, tc.drain, tc.grace)
			}
			var mem *corev1.EnvVar
			for i, e := range c.Env {
				if e.Name == "GOMEMLIMIT" {
					mem = &c.Env[i]
				}
			}
			switch {
			case !tc.memoryLimit && mem != nil:
				t.Errorf("GOMEMLIMIT %+v without a memory limit", mem)
			case tc.memoryLimit && (mem == nil || mem.ValueFrom == nil || mem.ValueFrom.ResourceFieldRef == nil ||
				mem.ValueFrom.ResourceFieldRef.Resource != "limits.memory" || mem.ValueFrom.ResourceFieldRef.ContainerName != "tollgate"):
				t.Errorf("GOMEMLIMIT %+v, want the container's limits.memory", mem)
			}
		})
	}
}

// TestChartEnvoyDrains: the Envoy pods drain before SIGTERM: a preStop hook runs the
// drain script from the ConfigMap with the admin port and the listener's stat prefix, Envoy
// runs with --drain-strategy immediate and --drain-time-s, and the grace period covers the
// longest wait. With drain.enabled=false none of it is rendered.
func TestChartEnvoyDrains(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", nil)
	d := get[*appsv1.Deployment](t, r, "Deployment", "tollgate-envoy")
	c := container(t, d, "envoy")
	if got := flagValue(t, c.Args, "--drain-strategy"); got != "immediate" {
		t.Errorf("--drain-strategy %q", got)
	}
	if got := flagValue(t, c.Args, "--drain-time-s"); got != "10" {
		t.Errorf("--drain-time-s %q, want envoy.drain.minSeconds", got)
	}
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g != 310 {
		t.Errorf("terminationGracePeriodSeconds %v, want maxSeconds + 10", g)
	}
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Exec == nil {
		t.Fatalf("no preStop exec: %+v", c.Lifecycle)
	}
	cmd := c.Lifecycle.PreStop.Exec.Command
	if !slices.Equal(cmd, []string{"/bin/bash", "/etc/envoy/envoy-drain.sh", "9901", "llm", "10", "300"}) {
		t.Errorf("preStop %q", cmd)
	}
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate-envoy")
	if !strings.HasPrefix(cm.Data["envoy-drain.sh"], "#!/bin/bash") || !mountsConfigMap(d, cm.Name, "/etc/envoy") {
		t.Error("the drain script is not in the mounted Envoy ConfigMap")
	}
	// The script's admin port and stat prefix are the rendered bootstrap's.
	b, err := envoy.ParseBootstrap([]byte(cm.Data["envoy.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	cms, err := envoy.ConnectionManagers(b)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cms, func(cm envoy.ConnectionManager) bool { return cm.Listener == "llm" })
	if i < 0 {
		t.Fatalf("no llm listener among %d", len(cms))
	}
	admin := b.GetAdmin().GetAddress().GetSocketAddress()
	if cms[i].HCM.GetStatPrefix() != cmd[3] || fmt.Sprint(admin.GetPortValue()) != cmd[2] || admin.GetAddress() != "127.0.0.1" {
		t.Errorf("preStop reads stat prefix %s on 127.0.0.1:%s; the bootstrap has %s, admin on %s:%d", cmd[3], cmd[2],
			cms[i].HCM.GetStatPrefix(), admin.GetAddress(), admin.GetPortValue())
	}

	off := decodeRender(t, "tollgate", "llm", map[string]any{"envoy": map[string]any{"drain": map[string]any{"enabled": false}}})
	d = get[*appsv1.Deployment](t, off, "Deployment", "tollgate-envoy")
	if c := container(t, d, "envoy"); c.Lifecycle != nil || slices.Contains(c.Args, "--drain-time-s") {
		t.Errorf("drain.enabled=false still drains: %+v %q", c.Lifecycle, c.Args)
	}
	if _, ok := get[*corev1.ConfigMap](t, off, "ConfigMap", "tollgate-envoy").Data["envoy-drain.sh"]; ok {
		t.Error("drain.enabled=false still ships the script")
	}
}

// TestChartExampleKey: the default config authenticates clients with an example key whose
// SHA-256 comes from a Secret the operator creates; no hash (so no usable key) ships in the
// chart.
func TestChartExampleKey(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", nil)
	text := get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate").Data["tollgate.yaml"]
	var cfg struct {
		Keys []struct {
			Name, Team string
			KeySHA256  string `json:"key_sha256"`
		} `json:"keys"`
	}
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Keys) == 0 {
		t.Fatal("the default config has no keys: the gateway would run open")
	}
	c := container(t, get[*appsv1.Deployment](t, r, "Deployment", "tollgate"), "tollgate")
	for _, k := range cfg.Keys {
		v, ok := strings.CutPrefix(k.KeySHA256, "${")
		v, ok2 := strings.CutSuffix(v, "}")
		if !ok || !ok2 {
			t.Errorf("key %s: key_sha256 %q ships in the chart, want ${VAR} from a Secret", k.Name, k.KeySHA256)
			continue
		}
		found := false
		for _, e := range c.Env {
			if e.Name == v && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("key %s: %s is not set from a Secret", k.Name, v)
		}
	}
	if notes := r.files["tollgate/templates/NOTES.txt"]; !strings.Contains(notes, "tollgate keygen") {
		t.Errorf("NOTES do not say how to make the example key:\n%s", notes)
	}
}
