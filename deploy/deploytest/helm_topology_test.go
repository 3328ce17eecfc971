package deploytest

import (
	"maps"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestChartTopologySpread: values.yaml promises that the tollgate and the Envoy pods are spread
// over nodes by default. Each Deployment renders one constraint, maxSkew 1 on
// kubernetes.io/hostname, ScheduleAnyway (a preference that never blocks scheduling), whose
// label selector is exactly that Deployment's pod selector (so it counts its own pods, and not
// the other Deployment's). A list of one's own replaces it; defaultTopologySpread: false with no
// list renders none.
func TestChartTopologySpread(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeRender(t, tc.release, tc.ns, tc.values)
			tg := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname)
			ev := get[*appsv1.Deployment](t, r, "Deployment", tc.fullname+"-envoy")
			for _, d := range []*appsv1.Deployment{tg, ev} {
				other := ev
				if d == ev {
					other = tg
				}
				cs := d.Spec.Template.Spec.TopologySpreadConstraints
				if len(cs) != 1 {
					t.Fatalf("%s: %d topology spread constraints, want the default one", d.Name, len(cs))
				}
				c := cs[0]
				if c.MaxSkew != 1 || c.TopologyKey != corev1.LabelHostname || c.WhenUnsatisfiable != corev1.ScheduleAnyway {
					t.Errorf("%s: constraint %+v, want maxSkew 1 over %s, ScheduleAnyway", d.Name, c, corev1.LabelHostname)
				}
				sel := c.LabelSelector
				if sel == nil || len(sel.MatchExpressions) != 0 || !maps.Equal(sel.MatchLabels, d.Spec.Selector.MatchLabels) {
					t.Errorf("%s: label selector %v, want the Deployment's selector %v", d.Name, sel, d.Spec.Selector.MatchLabels)
				}
				if !selects(sel.MatchLabels, d.Spec.Template.Labels) || selects(sel.MatchLabels, other.Spec.Template.Labels) {
					t.Errorf("%s: label selector %v must count its own pods only", d.Name, sel.MatchLabels)
				}
			}
		})
	}

	own := []any{map[string]any{
		"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
		"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/component": "ext-proc"}},
	}}
	t.Run("own list replaces the default", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{"topologySpreadConstraints": own})
		cs := get[*appsv1.Deployment](t, r, "Deployment", "tollgate").Spec.Template.Spec.TopologySpreadConstraints
		if len(cs) != 1 || cs[0].TopologyKey != corev1.LabelTopologyZone || cs[0].WhenUnsatisfiable != corev1.DoNotSchedule {
			t.Errorf("constraints %+v, want only the zone constraint given", cs)
		}
		if n := len(get[*appsv1.Deployment](t, r, "Deployment", "tollgate-envoy").Spec.Template.Spec.TopologySpreadConstraints); n != 1 {
			t.Errorf("Envoy: %d constraints, want its default one still", n)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		r := decodeRender(t, "tollgate", "llm", map[string]any{
			"defaultTopologySpread": false,
			"envoy":                 map[string]any{"defaultTopologySpread": false},
		})
		for _, name := range []string{"tollgate", "tollgate-envoy"} {
			if cs := get[*appsv1.Deployment](t, r, "Deployment", name).Spec.Template.Spec.TopologySpreadConstraints; len(cs) != 0 {
				t.Errorf("%s: defaultTopologySpread=false still renders %+v", name, cs)
			}
		}
	})
}
