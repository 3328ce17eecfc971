package deploytest

import (
	"slices"
	"strconv"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"

	"github.com/tollgate/tollgate/envoy"
)

// adminCluster is the chart's cluster for Envoy's loopback admin API.
const adminCluster = "envoy_admin"

// statsPaths are the only admin paths the chart's `stats` listener forwards: both read-only.
var statsPaths = []string{"/ready", "/stats/prometheus"}

// checkStatsListener: the chart's `stats` listener on port is the only way into Envoy's
// loopback admin API from outside the pod, and it forwards GET-safe paths only: /ready for the
// readiness probe and /stats/prometheus for Prometheus. Everything else on it is a local reply,
// it has no ext_proc filter (probes are not LLM traffic) and no access log (no probe lines in
// the access-log pipeline); the admin cluster is the admin address, in plaintext.
func checkStatsListener(t *testing.T, b *bootstrapv3.Bootstrap, port int) {
	t.Helper()
	cms, err := envoy.ConnectionManagers(b)
	if err != nil {
		t.Fatal(err)
	}
	var cm *envoy.ConnectionManager
	for i := range cms {
		if cms[i].Listener == "stats" {
			cm = &cms[i]
		}
	}
	if cm == nil {
		t.Fatalf("no `stats` listener in the chart's envoy.yaml (listeners %v)", listenerPorts(b))
	}
	if cm.Address != "0.0.0.0" || int(cm.Port) != port {
		t.Errorf("stats listener on %s:%d, want 0.0.0.0:%d (the container's stats port)", cm.Address, cm.Port, port)
	}
	if len(cm.HTTPFilters) != 1 {
		t.Errorf("stats listener http filters %v, want the router only", cm.HTTPFilters)
	} else if _, ok := cm.HTTPFilters[0].Config.(*routerv3.Router); !ok {
		t.Errorf("stats listener filter is %T, want the router", cm.HTTPFilters[0].Config)
	}
	if len(cm.AccessLogs) != 0 {
		t.Errorf("stats listener logs %d access logs: probes would fill the access log", len(cm.AccessLogs))
	}

	var forwarded []string
	for _, vh := range cm.HCM.GetRouteConfig().GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if dr := r.GetDirectResponse(); dr != nil {
				if dr.GetStatus() < 400 {
					t.Errorf("stats route %q answers %d itself, want an error", r.GetName(), dr.GetStatus())
				}
				continue
			}
			path := r.GetMatch().GetPath()
			if !slices.Contains(statsPaths, path) || r.GetRoute().GetCluster() != adminCluster {
				t.Errorf("stats route %q (match %v) sends to %q: only %v may reach the admin API", r.GetName(), r.GetMatch(), r.GetRoute().GetCluster(), statsPaths)
				continue
			}
			if r.GetRoute().GetPrefixRewrite() != "" || r.GetRoute().GetRegexRewrite() != nil {
				t.Errorf("stats route %q rewrites the path: another admin endpoint could be reached", r.GetName())
			}
			forwarded = append(forwarded, path)
		}
	}
	slices.Sort(forwarded)
	if !slices.Equal(forwarded, statsPaths) {
		t.Errorf("stats listener forwards %v, want exactly %v", forwarded, statsPaths)
	}

	admin := adminAddress(b)
	eps, err := envoy.ClusterEndpoints(b, adminCluster)
	if err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.1:" + strconv.Itoa(int(admin.GetPortValue()))
	if len(eps) != 1 || addr(eps[0]) != want || addr(admin) != want {
		t.Errorf("%s endpoints %v, admin %s: want both %s", adminCluster, eps, addr(admin), want)
	}
	if cl, _ := envoy.Cluster(b, adminCluster); cl.GetTransportSocket() != nil {
		t.Errorf("%s has a transport socket; the admin API speaks plaintext", adminCluster)
	}
}
