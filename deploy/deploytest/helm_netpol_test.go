package deploytest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultAdminPeers is networkPolicy.adminFrom in values.yaml: the namespace named monitoring.
var defaultAdminPeers = []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
	MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}}

// policyRules maps each port of a NetworkPolicy's ingress rules, resolved to the number of the
// named container port of c, to the peers admitted to it. It fails on a rule that names no
// port (every port), on a port c does not have, on a rule without peers (every source) unless
// allowAnySource lists the port, and on an empty peer (also every source).
func policyRules(t *testing.T, np *networkingv1.NetworkPolicy, c corev1.Container, allowAnySource ...string) map[string][]networkingv1.NetworkPolicyPeer {
	t.Helper()
	out := map[string][]networkingv1.NetworkPolicyPeer{}
	for i, rule := range np.Spec.Ingress {
		if len(rule.Ports) == 0 {
			t.Errorf("%s: ingress rule %d admits every port", np.Name, i)
		}
		for _, p := range rule.Ports {
			if p.Port == nil || p.Protocol == nil || *p.Protocol != corev1.ProtocolTCP {
				t.Errorf("%s: ingress rule %d port %+v: want a TCP port", np.Name, i, p)
				continue
			}
			name := p.Port.String()
			containerPort(t, c, name) // the named port exists on the container
			if len(rule.From) == 0 && !slices.Contains(allowAnySource, name) {
				t.Errorf("%s: port %s admits every source", np.Name, name)
			}
			for _, peer := range rule.From {
				if peer.PodSelector == nil && peer.NamespaceSelector == nil && peer.IPBlock == nil {
					t.Errorf("%s: port %s has an empty peer, which admits every source", np.Name, name)
				}
			}
			if _, dup := out[name]; dup {
				t.Errorf("%s: port %s in two rules", np.Name, name)
			}
			out[name] = rule.From
		}
	}
	return out
}

func podSelects(sel *metav1.LabelSelector, labels map[string]string) bool {
	return sel != nil && len(sel.MatchExpressions) == 0 && selects(sel.MatchLabels, labels)
}

// TestChartNetworkPolicy: by default only the release's Envoy pods reach tollgate's gRPC port,
// only the monitoring namespace its admin port, and nothing else reaches the tollgate pods.
func TestChartNetworkPolicy(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			tg := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname)
			ev := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname+"-envoy")
			tgPods, envoyPods := tg.Spec.Template.Labels, ev.Spec.Template.Labels

			np := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", tc.fullname)
			if !podSelects(&np.Spec.PodSelector, tgPods) || podSelects(&np.Spec.PodSelector, envoyPods) {
				t.Errorf("policy %s selects %v: want the tollgate pods only", np.Name, np.Spec.PodSelector)
			}
			// Selected for Ingress: whatever no rule admits is dropped.
			if !reflect.DeepEqual(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
				t.Errorf("policy types %v, want [Ingress]", np.Spec.PolicyTypes)
			}
			rules := policyRules(t, np, container(t, tg, "tollgate"))
			if len(rules) != 2 {
				t.Errorf("ports %v, want grpc and admin only", sortedKeys(rules))
			}
			grpc := rules["grpc"]
			if len(grpc) != 1 || grpc[0].NamespaceSelector != nil || grpc[0].IPBlock != nil ||
				!podSelects(grpc[0].PodSelector, envoyPods) || podSelects(grpc[0].PodSelector, tgPods) {
				t.Errorf("grpc port admits %+v: want exactly the Envoy pods of this release", grpc)
			}
			if !reflect.DeepEqual(rules["admin"], defaultAdminPeers) {
				t.Errorf("admin port admits %+v, want %+v", rules["admin"], defaultAdminPeers)
			}

			enp := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", tc.fullname+"-envoy")
			if !podSelects(&enp.Spec.PodSelector, envoyPods) || podSelects(&enp.Spec.PodSelector, tgPods) {
				t.Errorf("policy %s selects %v: want the Envoy pods only", enp.Name, enp.Spec.PodSelector)
			}
			erules := policyRules(t, enp, container(t, ev, "envoy"), "http")
			if len(erules) != 2 || erules["http"] != nil || !reflect.DeepEqual(erules["stats"], defaultAdminPeers) {
				t.Errorf("envoy policy %+v: want the listener open, the read-only stats port for the scraper only", erules)
			}
		})
	}
}

func TestChartNetworkPolicyValues(t *testing.T) {
	prom := []any{map[string]any{
		"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "observability"}},
		"podSelector":       map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "prometheus"}},
	}}
	ownEnvoy := []any{map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "edge-envoy"}}}}

	t.Run("custom scraper", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{"networkPolicy": map[string]any{"adminFrom": prom}})
		for _, name := range []string{"tollgate", "tollgate-envoy"} {
			np := get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", name)
			admin := np.Spec.Ingress[len(np.Spec.Ingress)-1]
			want := map[string]string{"tollgate": "admin", "tollgate-envoy": "stats"}[name]
			if admin.Ports[0].Port.String() != want || len(admin.From) != 1 ||
				admin.From[0].PodSelector.MatchLabels["app.kubernetes.io/name"] != "prometheus" ||
				admin.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "observability" {
				t.Errorf("%s admin rule %+v, want the configured Prometheus (pod and namespace selector in one peer)", name, admin)
			}
		}
	})

	t.Run("no scraper", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{"networkPolicy": map[string]any{"adminFrom": []any{}}})
		tg := get[*appsv1.Deployment](t, r, "Deployment", "tollgate")
		rules := policyRules(t, get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", "tollgate"), container(t, tg, "tollgate"))
		if _, ok := rules["admin"]; ok || len(rules) != 1 {
			t.Errorf("adminFrom: [] still admits %v", rules)
		}
	})

	t.Run("own envoy", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{
			"envoy":         map[string]any{"enabled": false},
			"networkPolicy": map[string]any{"grpcFrom": ownEnvoy},
		})
		tg := get[*appsv1.Deployment](t, r, "Deployment", "tollgate")
		rules := policyRules(t, get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", "tollgate"), container(t, tg, "tollgate"))
		if g := rules["grpc"]; len(g) != 1 || !podSelects(g[0].PodSelector, map[string]string{"app": "edge-envoy"}) {
			t.Errorf("grpc admits %+v, want only networkPolicy.grpcFrom", g)
		}
		if _, ok := r.objects["NetworkPolicy/tollgate-envoy"]; ok {
			t.Error("envoy.enabled=false still renders the Envoy policy")
		}
	})

	t.Run("without envoy nothing reaches grpc", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{"envoy": map[string]any{"enabled": false}})
		tg := get[*appsv1.Deployment](t, r, "Deployment", "tollgate")
		rules := policyRules(t, get[*networkingv1.NetworkPolicy](t, r, "NetworkPolicy", "tollgate"), container(t, tg, "tollgate"))
		if _, ok := rules["grpc"]; ok {
			t.Errorf("without Envoy and grpcFrom the grpc port admits %+v", rules["grpc"])
		}
		notes := r.files["tollgate/templates/NOTES.txt"]
		if !strings.Contains(notes, "networkPolicy.grpcFrom") {
			t.Errorf("NOTES do not say how to admit your own Envoy:\n%s", notes)
		}
	})

	t.Run("off", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{"networkPolicy": map[string]any{"enabled": false}})
		if n := r.kinds()["NetworkPolicy"]; n != 0 {
			t.Errorf("networkPolicy.enabled=false renders %d NetworkPolicies", n)
		}
		if notes := r.files["tollgate/templates/NOTES.txt"]; !strings.Contains(notes, "networkPolicy.enabled=false") {
			t.Errorf("NOTES do not warn that the policies are off:\n%s", notes)
		}
	})
}
