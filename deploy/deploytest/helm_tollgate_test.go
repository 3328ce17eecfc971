package deploytest

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// renderCase is one set of values the chart is rendered with.
type renderCase struct {
	name, release, ns string
	values            map[string]any
	fullname          string // expected name of the tollgate objects
	hpa, monitor      bool
}

func renderCases() []renderCase {
	return []renderCase{
		{name: "defaults", release: "tollgate", ns: "llm", fullname: "tollgate"},
		{name: "all features", release: "prod", ns: "gateway", values: allFeatures(),
			fullname: "prod-tollgate", hpa: true, monitor: true},
	}
}

// tollgateConfigKeys are the top-level keys of tollgate.yaml (README "Configuration"), and
// `server`, where the chart sets server.tls.
var tollgateConfigKeys = []string{"listen", "admin", "providers", "models", "keys", "pricing", "server", "ratelimit", "budgets"}

func TestChartTollgateDeployment(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			d := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname)
			c := container(t, d, "tollgate")
			admin := containerPort(t, c, "admin")
			grpc := containerPort(t, c, "grpc")

			for _, p := range []struct {
				what string
				got  *corev1.Probe
				path string
			}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
				if p.got == nil || p.got.HTTPGet == nil {
					t.Fatalf("%s probe: %+v, want an HTTP GET", p.what, p.got)
				}
				if p.got.HTTPGet.Path != p.path || p.got.HTTPGet.Port.String() != "admin" {
					t.Errorf("%s probe GET %s on %s, want %s on admin", p.what, p.got.HTTPGet.Path, p.got.HTTPGet.Port.String(), p.path)
				}
			}

			pod := d.Spec.Template.Spec.SecurityContext
			if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser == 0 {
				t.Errorf("pod security context %+v: want non-root", pod)
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("container security context %+v: want read-only root, no privilege escalation", sc)
			}

			if tc.hpa != (d.Spec.Replicas == nil) {
				t.Errorf("replicas = %v with autoscaling %v", d.Spec.Replicas, tc.hpa)
			}

			// The config checksum covers the settings read at start (TestChartChecksumCoversRestartOnly).
			if got := d.Spec.Template.Annotations["checksum/config"]; len(got) != 64 {
				t.Errorf("checksum/config = %q, want a sha256", got)
			}

			// tollgate.yaml: strict top-level keys, ports agree with the container.
			cm := get[*corev1.ConfigMap](t, r, "ConfigMap", tc.fullname)
			cfgText, ok := cm.Data["tollgate.yaml"]
			if !ok {
				t.Fatalf("ConfigMap %s has no tollgate.yaml", cm.Name)
			}
			var cfg map[string]any
			if err := yaml.Unmarshal([]byte(cfgText), &cfg); err != nil {
				t.Fatalf("tollgate.yaml: %v", err)
			}
			for k := range cfg {
				if !slices.Contains(tollgateConfigKeys, k) {
					t.Errorf("tollgate.yaml has unknown top-level key %q", k)
				}
			}
			for _, k := range []string{"listen", "admin", "providers", "models"} {
				if _, ok := cfg[k]; !ok {
					t.Errorf("tollgate.yaml lacks %q", k)
				}
			}
			listen, adminCfg := loadTollgateAddrs(t, []byte(cfgText))
			if listen != grpc || adminCfg != admin {
				t.Errorf("tollgate.yaml listen %d admin %d, container ports grpc %d admin %d", listen, adminCfg, grpc, admin)
			}
			if !mountsConfigMap(d, cm.Name, "/etc/tollgate") || !slices.Equal(c.Args, []string{"serve", "-config", "/etc/tollgate/tollgate.yaml"}) {
				t.Errorf("args %q do not read the mounted ConfigMap %s", c.Args, cm.Name)
			}

			// Every ${VAR} in tollgate.yaml is set, from a Secret reference.
			env := map[string]*corev1.EnvVarSource{}
			for _, e := range c.Env {
				env[e.Name] = e.ValueFrom
			}
			vars := regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(cfgText, -1)
			if len(vars) == 0 {
				t.Error("tollgate.yaml references no ${VAR}: provider keys must come from the environment")
			}
			for _, m := range vars {
				src, ok := env[m[1]]
				if !ok {
					t.Errorf("tollgate.yaml uses ${%s}, which the container does not set", m[1])
					continue
				}
				if src == nil || src.SecretKeyRef == nil || src.SecretKeyRef.Name == "" || src.SecretKeyRef.Key == "" {
					t.Errorf("env %s: %+v, want a secretKeyRef", m[1], src)
				}
			}
		})
	}
}

func mountsConfigMap(d *appsv1.Deployment, cmName, path string) bool {
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.ConfigMap == nil || v.ConfigMap.Name != cmName {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, m := range c.VolumeMounts {
				if m.Name == v.Name && m.MountPath == path {
					return true
				}
			}
		}
	}
	return false
}

func TestChartServicesAndDisruption(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			d := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname)
			podLabels := d.Spec.Template.Labels
			if !selects(d.Spec.Selector.MatchLabels, podLabels) {
				t.Errorf("deployment selector %v does not match its pods %v", d.Spec.Selector.MatchLabels, podLabels)
			}
			c := container(t, d, "tollgate")
			wantPorts := map[string]int{"grpc": containerPort(t, c, "grpc"), "admin": containerPort(t, c, "admin")}

			svc := get[*corev1.Service](t, r, "Service", tc.fullname)
			headless := get[*corev1.Service](t, r, "Service", tc.fullname+"-grpc")
			if headless.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("%s clusterIP %q, want None", headless.Name, headless.Spec.ClusterIP)
			}
			for _, s := range []*corev1.Service{svc, headless} {
				if !selects(s.Spec.Selector, podLabels) {
					t.Errorf("service %s selector %v does not match the tollgate pods", s.Name, s.Spec.Selector)
				}
				for _, p := range s.Spec.Ports {
					want, ok := wantPorts[p.TargetPort.String()]
					if !ok || int(p.Port) != want {
						t.Errorf("service %s port %s %d → %s: no such container port", s.Name, p.Name, p.Port, p.TargetPort.String())
					}
				}
			}

			pdb := get[*policyv1.PodDisruptionBudget](t, r, "PodDisruptionBudget", tc.fullname)
			if pdb.Spec.MinAvailable == nil || !selects(pdb.Spec.Selector.MatchLabels, podLabels) {
				t.Errorf("pdb %+v does not guard the tollgate pods", pdb.Spec)
			}

			if got := r.kinds()["HorizontalPodAutoscaler"] == 1; got != tc.hpa {
				t.Errorf("HPA rendered = %v, want %v", got, tc.hpa)
			}
			if tc.hpa {
				hpa := get[*autoscalingv2.HorizontalPodAutoscaler](t, r, "HorizontalPodAutoscaler", tc.fullname)
				ref := hpa.Spec.ScaleTargetRef
				if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
					t.Errorf("HPA targets %+v, want Deployment %s", ref, d.Name)
				}
				if len(hpa.Spec.Metrics) != 2 || hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas {
					t.Errorf("HPA spec %+v", hpa.Spec)
				}
			}

			if got := r.kinds()["ServiceMonitor"] == 1; got != tc.monitor {
				t.Errorf("ServiceMonitor rendered = %v, want %v", got, tc.monitor)
			}
			if tc.monitor {
				checkServiceMonitor(t, get[*unstructured.Unstructured](t, r, "ServiceMonitor", tc.fullname), svc)
			}
		})
	}
}

// checkServiceMonitor: it selects the tollgate Service and scrapes a port that Service has.
func checkServiceMonitor(t *testing.T, sm *unstructured.Unstructured, svc *corev1.Service) {
	t.Helper()
	if sm.GetAPIVersion() != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %s", sm.GetAPIVersion())
	}
	if sm.GetLabels()["release"] != "kube-prometheus" {
		t.Errorf("ServiceMonitor labels %v lack the configured release label", sm.GetLabels())
	}
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	if !selects(sel, svc.Labels) {
		t.Errorf("ServiceMonitor selector %v does not match service %s labels %v", sel, svc.Name, svc.Labels)
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints %v", eps)
	}
	ep := eps[0].(map[string]any)
	if ep["port"] != "admin" || ep["path"] != "/metrics" {
		t.Errorf("ServiceMonitor endpoint %v, want port admin path /metrics", ep)
	}
	found := false
	for _, p := range svc.Spec.Ports {
		found = found || p.Name == ep["port"]
	}
	if !found {
		t.Errorf("service %s has no port %v", svc.Name, ep["port"])
	}
}

func TestChartDashboardConfigMap(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", nil)
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", "tollgate-dashboard")
	if cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("labels %v, want grafana_dashboard=1", cm.Labels)
	}
	// A manifest's trailing newline does not survive helm's document split; JSON ignores it.
	want := strings.TrimRight(string(readRepoFile(t, dashboardPath)), "\n")
	if got := cm.Data["tollgate.json"]; got != want {
		t.Errorf("dashboard ConfigMap content differs from %s (len %d vs %d)", dashboardPath, len(got), len(want))
	}
	off := decodeRender(t, "tollgate", "llm", map[string]any{"dashboard": map[string]any{"enabled": false}})
	if _, ok := off.objects["ConfigMap/tollgate-dashboard"]; ok {
		t.Error("dashboard.enabled=false still renders the dashboard ConfigMap")
	}
}
