package deploytest

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/envoy"
)

// renderedEnvoy returns the envoy.yaml of a render, parsed.
func renderedEnvoy(t *testing.T, r *rendered, name string) *bootstrapv3.Bootstrap {
	t.Helper()
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", name)
	text, ok := cm.Data["envoy.yaml"]
	if !ok {
		t.Fatalf("ConfigMap %s has no envoy.yaml", name)
	}
	return parseEnvoy(t, "rendered envoy.yaml", []byte(text))
}

func TestChartEnvoy(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			envoyName := tc.fullname + "-envoy"
			conf := renderedEnvoy(t, r, envoyName)

			d := get[*appsv1.Deployment](t, r, "Deployment", envoyName)
			c := container(t, d, "envoy")
			if !slices.Contains(listenerPorts(conf), containerPort(t, c, "http")) {
				t.Errorf("envoy http port %d is not a listener in envoy.yaml (%v)", containerPort(t, c, "http"), listenerPorts(conf))
			}
			// The admin API is loopback-only; the probe and the scraper use the read-only
			// stats listener in front of it (checkStatsListener).
			if a := adminAddress(conf); a.GetAddress() != "127.0.0.1" {
				t.Errorf("envoy admin on %s, want 127.0.0.1 (no authentication)", addr(a))
			}
			for _, p := range c.Ports {
				if int(p.ContainerPort) == int(adminAddress(conf).GetPortValue()) {
					t.Errorf("container port %s names the loopback-only admin port", p.Name)
				}
			}
			checkStatsListener(t, conf, containerPort(t, c, "stats"))
			if got := flagValue(t, c.Args, "-c"); got != "/etc/envoy/envoy.yaml" || !mountsConfigMap(d, envoyName, "/etc/envoy") {
				t.Errorf("envoy -c %s does not read ConfigMap %s", got, envoyName)
			}
			if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/ready" || p.HTTPGet.Port.String() != "stats" {
				t.Errorf("envoy readiness probe %+v, want GET /ready on the stats port", p)
			}
			if sc := d.Spec.Template.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
				t.Errorf("envoy pod security context %+v: want non-root", sc)
			}
			if sum := d.Spec.Template.Annotations["checksum/config"]; len(sum) != 64 {
				t.Errorf("envoy checksum/config %q", sum)
			}
			svc := get[*corev1.Service](t, r, "Service", envoyName)
			if !selects(svc.Spec.Selector, d.Spec.Template.Labels) || svc.Spec.Ports[0].TargetPort.String() != "http" {
				t.Errorf("envoy service %+v does not reach the envoy pods' http port", svc.Spec)
			}
			tollgatePods := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname).Spec.Template.Labels
			if selects(svc.Spec.Selector, tollgatePods) {
				t.Error("envoy service also selects the tollgate pods")
			}

			// ext_proc reaches every tollgate pod through the headless Service.
			grpc := containerPort(t, container(t, get[*appsv1.Deployment](t, r, "Deployment", tc.fullname), "tollgate"), "grpc")
			headless := get[*corev1.Service](t, r, "Service", tc.fullname+"-grpc")
			clusters := extProcClusters(t, conf)
			if len(clusters) == 0 {
				t.Fatal("no ext_proc filter")
			}
			for _, cl := range clusters {
				eps, err := envoy.ClusterEndpoints(conf, cl)
				if err != nil {
					t.Fatal(err)
				}
				want := headless.Name + "." + tc.ns + ".svc:" + strconv.Itoa(grpc)
				if len(eps) != 1 || addr(eps[0]) != want {
					t.Errorf("ext_proc cluster %s endpoints %v, want %s", cl, eps, want)
				}
			}

			// Every provider in tollgate.yaml has a route to an existing cluster.
			routes := providerRoutes(t, conf)
			for _, p := range configProviders(t, r, tc.fullname) {
				cl, ok := routes[p]
				if !ok {
					t.Errorf("provider %s has no envoy route on %s", p, providerHeader)
					continue
				}
				if _, err := envoy.ClusterEndpoints(conf, cl); err != nil {
					t.Errorf("provider %s: %v", p, err)
				}
			}
		})
	}
}

// configProviders returns the provider names of the rendered tollgate.yaml.
func configProviders(t *testing.T, r *rendered, name string) []string {
	t.Helper()
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", name)
	out := providerNames(t, []byte(cm.Data["tollgate.yaml"]))
	if len(out) == 0 {
		t.Fatal("tollgate.yaml has no providers")
	}
	return out
}

func TestChartWithoutEnvoy(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", map[string]any{"envoy": map[string]any{"enabled": false}})
	for _, id := range r.order {
		if strings.Contains(id, "envoy") {
			t.Errorf("envoy.enabled=false still renders %s", id)
		}
	}
	if _, ok := r.objects["Deployment/tollgate"]; !ok {
		t.Error("no tollgate Deployment without envoy")
	}
}

// TestChartEnvoyInSyncWithCompose: the chart's envoy.yaml is a copy of envoy/envoy.yaml with
// other wiring. Everything but that wiring must stay identical: the admin address, the
// listener (filters, ext_proc settings, timeouts, access log; routes aside), the tollgate
// cluster (its address and the chart's mTLS transport socket aside), and the route and
// cluster of each provider the two share.
func TestChartEnvoyInSyncWithCompose(t *testing.T) {
	r := decodeRender(t, "tollgate", "llm", nil)
	chart := renderedEnvoy(t, r, "tollgate-envoy")
	compose := loadComposeEnvoy(t)
	if addr(adminAddress(chart)) != addr(adminAddress(compose)) {
		t.Errorf("admin: chart %s, envoy/envoy.yaml %s", addr(adminAddress(chart)), addr(adminAddress(compose)))
	}
	if len(extProcFilters(t, chart)) != 1 {
		t.Errorf("chart has %d ext_proc filters, want 1", len(extProcFilters(t, chart)))
	}
	syncEqual(t, "ext_proc filter", trees(t, extProcFilters(t, chart)), trees(t, extProcFilters(t, compose)))
	// The chart adds the `stats` listener (its own wiring, checked by checkStatsListener).
	syncEqual(t, "listeners (without routes)", listenersWithoutRoutes(t, chart, "stats"), listenersWithoutRoutes(t, compose))

	withoutWiring := func(b *bootstrapv3.Bootstrap, name string) any {
		cl := clusterTree(t, b, name)
		delete(cl, "load_assignment")
		delete(cl, "transport_socket")
		return cl
	}
	syncEqual(t, "tollgate cluster (without address and TLS)", withoutWiring(chart, "tollgate"), withoutWiring(compose, "tollgate"))
	if clusterTree(t, chart, "tollgate")["transport_socket"] == nil {
		t.Error("the chart's tollgate cluster has no transport socket with default values (tls.enabled)")
	}

	shared := 0
	for _, cl := range chart.GetStaticResources().GetClusters() {
		if cl.GetName() == "tollgate" || cl.GetName() == adminCluster {
			continue
		}
		if _, err := envoy.ClusterEndpoints(compose, cl.GetName()); err != nil {
			continue // a provider only the chart's values have
		}
		shared++
		syncEqual(t, "cluster "+cl.GetName(), clusterTree(t, chart, cl.GetName()), clusterTree(t, compose, cl.GetName()))
		syncEqual(t, "route "+cl.GetName(), routeTree(t, chart, cl.GetName()), routeTree(t, compose, cl.GetName()))
	}
	if shared == 0 {
		t.Error("the chart's default upstreams share no provider with envoy/envoy.yaml")
	}
	syncEqual(t, "catch-all route", routeTree(t, chart, "no-provider"), routeTree(t, compose, "no-provider"))
}

func syncEqual(t *testing.T, what string, chart, compose any) {
	t.Helper()
	if !reflect.DeepEqual(chart, compose) {
		cy, _ := yaml.Marshal(chart)
		ey, _ := yaml.Marshal(compose)
		t.Errorf("%s differs:\nchart files/envoy.yaml:\n%s\nenvoy/envoy.yaml:\n%s", what, cy, ey)
	}
}
