package deploytest

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ingressValues turns on the Ingress with client TLS and ingress-nginx's limits raised.
func ingressValues() map[string]any {
	return map[string]any{"ingress": map[string]any{
		"enabled":   true,
		"className": "nginx",
		"annotations": map[string]any{
			"nginx.ingress.kubernetes.io/proxy-body-size":    "32m",
			"nginx.ingress.kubernetes.io/proxy-read-timeout": "600",
		},
		"hosts": []any{map[string]any{"host": "llm.example.com"}},
		"tls":   []any{map[string]any{"secretName": "llm-example-tls", "hosts": []any{"llm.example.com"}}},
	}}
}

// TestChartIngress: off by default; on, a networking.k8s.io/v1 Ingress (decoded with the
// k8s.io/api types) of the given class and annotations, terminating TLS for its host with the
// given Secret, that sends every path to the port of the Envoy Service that reaches the Envoy
// pods' listener. The Envoy NetworkPolicy admits the controller (every source, by default), and
// the install notes give clients the https URL.
func TestChartIngress(t *testing.T) {
	off := decodeRender(t, "tollgate", "llm", nil)
	for _, kind := range []string{"Ingress", "HTTPRoute", "Gateway"} {
		if n := off.kinds()[kind]; n != 0 {
			t.Errorf("default values render %d %s", n, kind)
		}
	}

	r := decodeRender(t, "tollgate", "llm", ingressValues())
	ing := get[*networkingv1.Ingress](t, r, "Ingress", "tollgate-envoy")
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingressClassName %v, want nginx", ing.Spec.IngressClassName)
	}
	if ing.Annotations["nginx.ingress.kubernetes.io/proxy-body-size"] != "32m" {
		t.Errorf("annotations %v", ing.Annotations)
	}
	want := []networkingv1.IngressTLS{{Hosts: []string{"llm.example.com"}, SecretName: "llm-example-tls"}}
	if !reflect.DeepEqual(ing.Spec.TLS, want) {
		t.Errorf("tls %+v, want %+v", ing.Spec.TLS, want)
	}
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "llm.example.com" || ing.Spec.Rules[0].HTTP == nil {
		t.Fatalf("rules %+v, want one for llm.example.com", ing.Spec.Rules)
	}
	svc := get[*corev1.Service](t, r, "Service", "tollgate-envoy")
	ev := get[*appsv1.Deployment](t, r, "Deployment", "tollgate-envoy")
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		if p.Path != "/" || p.PathType == nil || *p.PathType != networkingv1.PathTypePrefix {
			t.Errorf("path %q (%v), want every path (/ Prefix)", p.Path, p.PathType)
		}
		checkBackendReachesEnvoy(t, p.Backend.Service.Name, p.Backend.Service.Port.Name, int(p.Backend.Service.Port.Number), svc, ev)
	}
	checkListenerAdmitsEveryone(t, r, "tollgate-envoy")

	notes := r.files["tollgate/templates/NOTES.txt"]
	if !strings.Contains(notes, "ANTHROPIC_BASE_URL=https://llm.example.com\n") || !strings.Contains(notes, `base_url = "https://llm.example.com/v1"`) {
		t.Errorf("NOTES do not give clients the Ingress's https URL:\n%s", notes)
	}
	if strings.Contains(notes, "port-forward svc/tollgate-envoy") {
		t.Errorf("NOTES still tell clients to port-forward with an Ingress:\n%s", notes)
	}

	t.Run("without TLS the notes warn", func(t *testing.T) {
		v := ingressValues()
		delete(v["ingress"].(map[string]any), "tls")
		r := decodeRender(t, "tollgate", "llm", v)
		if notes := r.files["tollgate/templates/NOTES.txt"]; !strings.Contains(notes, "ingress.tls is empty") || !strings.Contains(notes, "http://llm.example.com") {
			t.Errorf("NOTES:\n%s", notes)
		}
	})
}

// TestChartGatewayAPI: gatewayAPI.enabled renders an HTTPRoute (gateway.networking.k8s.io/v1,
// checked as unstructured) attached to the given parent Gateway, for the given host names, with
// its timeouts disabled (streams last minutes), sending every path to the Envoy Service. With
// gateway.create the chart also renders the Gateway: one HTTPS listener terminating TLS with the
// given certificate Secret, admitting routes from this namespace, and the route attaches to it.
func TestChartGatewayAPI(t *testing.T) {
	svc := func(r *rendered) *corev1.Service { return get[*corev1.Service](t, r, "Service", "tollgate-envoy") }
	envoyPods := func(r *rendered) *appsv1.Deployment {
		return get[*appsv1.Deployment](t, r, "Deployment", "tollgate-envoy")
	}

	t.Run("existing gateway", func(t *testing.T) {
		parent := map[string]any{"name": "shared", "namespace": "gateway-system", "sectionName": "https"}
		r := decodeRender(t, "tollgate", "llm", map[string]any{"gatewayAPI": map[string]any{
			"enabled": true, "parentRefs": []any{parent}, "hostnames": []any{"llm.example.com"},
		}})
		if r.kinds()["Gateway"] != 0 {
			t.Error("a Gateway is rendered without gateway.create")
		}
		route := get[*unstructured.Unstructured](t, r, "HTTPRoute", "tollgate-envoy")
		checkHTTPRoute(t, route, []any{parent}, svc(r), envoyPods(r))
		if hs, _, _ := unstructured.NestedStringSlice(route.Object, "spec", "hostnames"); !reflect.DeepEqual(hs, []string{"llm.example.com"}) {
			t.Errorf("hostnames %v", hs)
		}
		checkListenerAdmitsEveryone(t, r, "tollgate-envoy")
		if notes := r.files["tollgate/templates/NOTES.txt"]; !strings.Contains(notes, "ANTHROPIC_BASE_URL=https://llm.example.com\n") {
			t.Errorf("NOTES do not give clients the route's https URL:\n%s", notes)
		}
	})

	t.Run("gateway of the release", func(t *testing.T) {
		r := decodeRender(t, "tg", "ai", map[string]any{"gatewayAPI": map[string]any{
			"enabled": true,
			"gateway": map[string]any{"create": true, "className": "eg", "hostname": "llm.example.com",
				"certificateRefs": []any{map[string]any{"name": "llm-example-tls"}}},
		}})
		gw := get[*unstructured.Unstructured](t, r, "Gateway", "tg-tollgate-envoy")
		if gw.GetAPIVersion() != "gateway.networking.k8s.io/v1" {
			t.Errorf("Gateway apiVersion %s", gw.GetAPIVersion())
		}
		if c, _, _ := unstructured.NestedString(gw.Object, "spec", "gatewayClassName"); c != "eg" {
			t.Errorf("gatewayClassName %q", c)
		}
		ls, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
		if len(ls) != 1 {
			t.Fatalf("listeners %v, want one", ls)
		}
		l := ls[0].(map[string]any)
		mode, _, _ := unstructured.NestedString(l, "tls", "mode")
		refs, _, _ := unstructured.NestedSlice(l, "tls", "certificateRefs")
		from, _, _ := unstructured.NestedString(l, "allowedRoutes", "namespaces", "from")
		if l["name"] != "https" || l["protocol"] != "HTTPS" || l["hostname"] != "llm.example.com" || mode != "Terminate" || from != "Same" {
			t.Errorf("listener %v: want https, HTTPS, Terminate, routes from the same namespace", l)
		}
		if len(refs) != 1 || refs[0].(map[string]any)["name"] != "llm-example-tls" || refs[0].(map[string]any)["kind"] != "Secret" {
			t.Errorf("certificateRefs %v", refs)
		}
		self := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "tg-tollgate-envoy", "sectionName": "https"}
		checkHTTPRoute(t, get[*unstructured.Unstructured](t, r, "HTTPRoute", "tg-tollgate-envoy"), []any{self},
			get[*corev1.Service](t, r, "Service", "tg-tollgate-envoy"), get[*appsv1.Deployment](t, r, "Deployment", "tg-tollgate-envoy"))
	})

	ch := loadChart(t)
	for name, tc := range map[string]struct {
		values  map[string]any
		wantErr string
	}{
		"no parent":         {map[string]any{"gatewayAPI": map[string]any{"enabled": true}}, "gatewayAPI.parentRefs"},
		"gateway, no class": {map[string]any{"gatewayAPI": map[string]any{"enabled": true, "gateway": map[string]any{"create": true, "certificateRefs": []any{map[string]any{"name": "c"}}}}}, "className"},
		"gateway, no cert":  {map[string]any{"gatewayAPI": map[string]any{"enabled": true, "gateway": map[string]any{"create": true, "className": "eg"}}}, "certificateRefs"},
		"without envoy":     {map[string]any{"envoy": map[string]any{"enabled": false}, "ingress": map[string]any{"enabled": true}}, "needs envoy.enabled"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := renderChart(ch, "tollgate", "llm", tc.values); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}

// checkHTTPRoute: the route's kind and version, its parents, its one rule: every path, the
// timeouts off, to the Envoy Service's port.
func checkHTTPRoute(t *testing.T, route *unstructured.Unstructured, parents []any, svc *corev1.Service, envoyPods *appsv1.Deployment) {
	t.Helper()
	if route.GetAPIVersion() != "gateway.networking.k8s.io/v1" || route.GetKind() != "HTTPRoute" {
		t.Errorf("route is %s %s", route.GetAPIVersion(), route.GetKind())
	}
	if got, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs"); !reflect.DeepEqual(got, parents) {
		t.Errorf("parentRefs %v, want %v", got, parents)
	}
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	if len(rules) != 1 {
		t.Fatalf("rules %v, want one", rules)
	}
	rule := rules[0].(map[string]any)
	matches, _, _ := unstructured.NestedSlice(rule, "matches")
	wantMatch := []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}}
	if !reflect.DeepEqual(matches, wantMatch) {
		t.Errorf("matches %v, want every path", matches)
	}
	if req, _, _ := unstructured.NestedString(rule, "timeouts", "request"); req != "0s" {
		t.Errorf("timeouts.request %q, want 0s (no deadline on a streamed answer)", req)
	}
	backends, _, _ := unstructured.NestedSlice(rule, "backendRefs")
	if len(backends) != 1 {
		t.Fatalf("backendRefs %v, want one", backends)
	}
	b := backends[0].(map[string]any)
	port, _, _ := unstructured.NestedInt64(b, "port")
	if b["kind"] != "Service" || b["group"] != "" {
		t.Errorf("backend %v, want a core Service", b)
	}
	checkBackendReachesEnvoy(t, b["name"].(string), "", int(port), svc, envoyPods)
}

// checkBackendReachesEnvoy: name and port (by name or number) are a port of the Envoy Service
// whose target is the Envoy container's listener.
func checkBackendReachesEnvoy(t *testing.T, name, portName string, port int, svc *corev1.Service, envoyPods *appsv1.Deployment) {
	t.Helper()
	if name != svc.Name {
		t.Errorf("backend Service %q, want %q", name, svc.Name)
		return
	}
	for _, p := range svc.Spec.Ports {
		if (portName != "" && p.Name == portName) || (portName == "" && int(p.Port) == port) {
			if p.TargetPort.String() != "http" || containerPort(t, container(t, envoyPods, "envoy"), "http") == 0 {
				t.Errorf("Service port %s targets %s, want the Envoy listener", p.Name, p.TargetPort.String())
			}
			if !selects(svc.Spec.Selector, envoyPods.Spec.Template.Labels) {
				t.Errorf("Service %s does not select the Envoy pods", svc.Name)
			}
			return
		}
	}
	t.Errorf("Service %s has no port %q/%d", svc.Name, portName, port)
}

// checkListenerAdmitsEveryone: with networkPolicy.envoyHTTPFrom empty (the default), the Envoy
// NetworkPolicy's listener rule has no `from`, so an ingress controller or Gateway in any
// namespace (or on the host network) reaches it.
func checkListenerAdmitsEveryone(t *testing.T, r *rendered, name string) {
	t.Helper()
	np := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", name)
	found := false
	for _, rule := range np.Spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port.String() == "http" {
				found = true
				if len(rule.From) != 0 {
					t.Errorf("the listener admits only %+v: the ingress controller may be left out", rule.From)
				}
			}
		}
	}
	if !found {
		t.Errorf("%s has no rule for the listener: nothing reaches Envoy", name)
	}
}

// TestChartIngressNarrowedPolicy: when networkPolicy.envoyHTTPFrom is narrowed, it must list the
// controller, as values.yaml says; the listener then admits exactly those peers.
func TestChartIngressNarrowedPolicy(t *testing.T) {
	v := ingressValues()
	controller := map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"}}}
	v["networkPolicy"] = map[string]any{"envoyHTTPFrom": []any{controller}}
	r := decodeRender(t, "tollgate", "llm", v)
	np := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", "tollgate-envoy")
	want := []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}}}
	for _, rule := range np.Spec.Ingress {
		if rule.Ports[0].Port.String() == "http" && !reflect.DeepEqual(rule.From, want) {
			t.Errorf("listener admits %+v, want the ingress controller's namespace", rule.From)
		}
	}
}
