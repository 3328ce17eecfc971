package deploytest

import (
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate/tollgate/envoy"
)

// Envoy bootstraps are read by package envoy (strictly, every typed config resolved and
// validated, as Envoy would); these helpers only pick out the wiring to other artefacts.

// providerHeader is the request header tollgate sets to the provider name, on which Envoy's
// routes select the provider's cluster.
const providerHeader = envoy.ProviderHeader

func parseEnvoy(t *testing.T, what string, data []byte) *bootstrapv3.Bootstrap {
	t.Helper()
	b, err := envoy.ParseBootstrap(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return b
}

// addr is a socket address as host:port.
func addr(sa *corev3.SocketAddress) string {
	return net.JoinHostPort(sa.GetAddress(), strconv.FormatUint(uint64(sa.GetPortValue()), 10))
}

// listenerPorts returns the port of every static listener.
func listenerPorts(b *bootstrapv3.Bootstrap) []int {
	var out []int
	for _, l := range b.GetStaticResources().GetListeners() {
		out = append(out, int(l.GetAddress().GetSocketAddress().GetPortValue()))
	}
	return out
}

// adminAddress is the admin interface's socket address.
func adminAddress(b *bootstrapv3.Bootstrap) *corev3.SocketAddress {
	return b.GetAdmin().GetAddress().GetSocketAddress()
}

// extProcFilters returns every ext_proc filter config of b (listener or upstream filter
// chains alike), in file order.
func extProcFilters(t *testing.T, b *bootstrapv3.Bootstrap) []*ext_procv3.ExternalProcessor {
	t.Helper()
	eps, err := envoy.TypedConfigsOf[*ext_procv3.ExternalProcessor](b)
	if err != nil {
		t.Fatal(err)
	}
	return eps
}

// extProcClusters returns the envoy_grpc cluster names the ext_proc filters call.
func extProcClusters(t *testing.T, b *bootstrapv3.Bootstrap) []string {
	t.Helper()
	var out []string
	for _, ep := range extProcFilters(t, b) {
		if name := ep.GetGrpcService().GetEnvoyGrpc().GetClusterName(); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// providerRoutes maps each provider name that a route matches exactly in the
// x-tollgate-provider header to the cluster that route sends to.
func providerRoutes(t *testing.T, b *bootstrapv3.Bootstrap) map[string]string {
	t.Helper()
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for p, ri := range routes {
		out[p] = ri.Cluster
	}
	return out
}

// tree is m as a JSON tree with the proto field names (typed configs resolved, "@type"
// kept), for comparing parts of two bootstraps and printing them.
func tree(t *testing.T, m proto.Message) any {
	t.Helper()
	js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// trees is tree of each message.
func trees[M proto.Message](t *testing.T, ms []M) []any {
	t.Helper()
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		out = append(out, tree(t, m))
	}
	return out
}

// clusterTree returns the static cluster with the given name, as a tree.
func clusterTree(t *testing.T, b *bootstrapv3.Bootstrap, name string) map[string]any {
	t.Helper()
	c, ok := envoy.Cluster(b, name)
	if !ok {
		t.Fatalf("no cluster %q", name)
	}
	return tree(t, c).(map[string]any)
}

// routeTree returns the route with the given name, from any virtual host, as a tree.
func routeTree(t *testing.T, b *bootstrapv3.Bootstrap, name string) any {
	t.Helper()
	cms, err := envoy.ConnectionManagers(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms {
		for _, vh := range cm.HCM.GetRouteConfig().GetVirtualHosts() {
			for _, r := range vh.GetRoutes() {
				if r.GetName() == name {
					return tree(t, r)
				}
			}
		}
	}
	t.Fatalf("no route %q", name)
	return nil
}

// listenersWithoutRoutes returns the static listeners as trees, without the route_config
// of their connection managers, and without the listeners named in skip.
func listenersWithoutRoutes(t *testing.T, b *bootstrapv3.Bootstrap, skip ...string) []any {
	t.Helper()
	var ls []any
	for _, l := range b.GetStaticResources().GetListeners() {
		if !slices.Contains(skip, l.GetName()) {
			ls = append(ls, tree(t, l))
		}
	}
	for _, l := range ls {
		for _, fc := range l.(map[string]any)["filter_chains"].([]any) {
			for _, f := range fc.(map[string]any)["filters"].([]any) {
				delete(f.(map[string]any)["typed_config"].(map[string]any), "route_config")
			}
		}
	}
	return ls
}
