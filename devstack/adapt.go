package devstack

import (
	"fmt"
	"net"
	"os"
	"strconv"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tollgate/tollgate/envoy"
)

// hostPort is an IP address and port as Envoy's socket_address takes them.
type hostPort struct {
	IP   string
	Port uint32
}

func (h hostPort) String() string {
	return net.JoinHostPort(h.IP, strconv.FormatUint(uint64(h.Port), 10))
}

// parseHostPort reads "host:port" for Envoy, which binds and connects to IP addresses:
// an empty host is every interface (0.0.0.0), "localhost" is 127.0.0.1.
func parseHostPort(addr string) (hostPort, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return hostPort{}, err
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return hostPort{}, fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	switch host {
	case "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	if net.ParseIP(host) == nil {
		return hostPort{}, fmt.Errorf("%q: Envoy needs an IP address, not %q", addr, host)
	}
	return hostPort{IP: host, Port: uint32(n)}, nil
}

// local is where the adapted bootstrap points.
type local struct {
	listen, admin, tollgate hostPort
	mock                    *hostPort // nil when no provider is served by the mock
}

// adapt rewrites b in place for a run on this machine: Envoy's admin on at.admin, its
// one HTTP listener on at.listen, the tollgate cluster on at.tollgate and the mock
// clusters on at.mock (both STATIC), and only the routes of the plan's providers, with
// the clusters no other route uses removed. A cluster whose TLS trust file does not
// exist here (the file names Debian's CA bundle) gets this system's bundle.
func adapt(b *bootstrapv3.Bootstrap, p *plan, at local) error {
	if b.Admin == nil {
		b.Admin = &bootstrapv3.Admin{}
	}
	b.Admin.Address = socket(at.admin)

	kept, dropped := map[string]bool{}, map[string]bool{}
	httpListeners := 0
	for _, l := range b.GetStaticResources().GetListeners() {
		n, err := adaptListener(l, p, kept, dropped)
		if err != nil {
			return fmt.Errorf("listener %q: %w", l.GetName(), err)
		}
		if n > 0 {
			httpListeners++
			l.Address = socket(at.listen)
		}
	}
	if httpListeners != 1 {
		return fmt.Errorf("tollgate dev runs Envoy with exactly one HTTP listener; the config has %d", httpListeners)
	}

	mocks := p.mockClusters()
	var clusters []*clusterv3.Cluster
	for _, c := range b.GetStaticResources().GetClusters() {
		name := c.GetName()
		switch {
		case name == p.tollgateCluster:
			pointAt(c, at.tollgate)
		case mocks[name]:
			if at.mock == nil {
				return fmt.Errorf("cluster %q: no mock address", name)
			}
			pointAt(c, *at.mock)
		case dropped[name] && !kept[name]:
			continue // only routes of providers the config does not have used it
		default:
			if err := localTrust(c); err != nil {
				return fmt.Errorf("cluster %q: %w", name, err)
			}
		}
		clusters = append(clusters, c)
	}
	b.StaticResources.Clusters = clusters
	return nil
}

// adaptListener drops the provider routes of providers not in the plan from every HTTP
// connection manager of l, noting the clusters of the routes kept and dropped. It
// returns how many connection managers l has.
func adaptListener(l *listenerv3.Listener, p *plan, kept, dropped map[string]bool) (int, error) {
	n := 0
	for _, fc := range l.GetFilterChains() {
		for _, f := range fc.GetFilters() {
			if f.GetTypedConfig() == nil {
				continue
			}
			msg, err := f.GetTypedConfig().UnmarshalNew()
			if err != nil {
				return n, err
			}
			hcm, ok := msg.(*hcmv3.HttpConnectionManager)
			if !ok {
				continue
			}
			n++
			for _, vh := range hcm.GetRouteConfig().GetVirtualHosts() {
				if vh.Routes, err = keepRoutes(vh.GetRoutes(), p, kept, dropped); err != nil {
					return n, fmt.Errorf("virtual host %q: %w", vh.GetName(), err)
				}
			}
			packed, err := anypb.New(hcm)
			if err != nil {
				return n, err
			}
			f.ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: packed}
		}
	}
	return n, nil
}

func keepRoutes(routes []*routev3.Route, p *plan, kept, dropped map[string]bool) ([]*routev3.Route, error) {
	var out []*routev3.Route
	for _, r := range routes {
		provider, isProvider, err := envoy.RouteProvider(r)
		if err != nil {
			return nil, err
		}
		if _, configured := p.routes[provider]; isProvider && !configured {
			dropped[r.GetRoute().GetCluster()] = true
			continue
		}
		kept[r.GetRoute().GetCluster()] = true
		out = append(out, r)
	}
	return out, nil
}

func socket(h hostPort) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: h.IP, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: h.Port}}}}
}

// pointAt makes c a STATIC cluster of the one endpoint h. The endpoint keeps the name
// the cluster resolved before as its hostname, which Envoy's auto_host_rewrite uses for a
// STATIC cluster (a route to it then still sends that Host).
func pointAt(c *clusterv3.Cluster, h hostPort) {
	var hostname string
	if eps := c.GetLoadAssignment().GetEndpoints(); len(eps) > 0 && len(eps[0].GetLbEndpoints()) > 0 {
		hostname = eps[0].GetLbEndpoints()[0].GetEndpoint().GetAddress().GetSocketAddress().GetAddress()
	}
	c.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC}
	c.DnsLookupFamily = clusterv3.Cluster_AUTO
	c.LoadAssignment = &endpointv3.ClusterLoadAssignment{
		ClusterName: c.GetName(),
		Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
			HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socket(h), Hostname: hostname}},
		}}}},
	}
}

// marshalBootstrap writes b as JSON (which Envoy reads from a .json file) and checks that
// it loads back as Envoy would load it.
func marshalBootstrap(b *bootstrapv3.Bootstrap) ([]byte, error) {
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}.Marshal(b)
	if err != nil {
		return nil, err
	}
	if _, err := envoy.ParseBootstrap(out); err != nil {
		return nil, fmt.Errorf("adapted envoy config: %w", err)
	}
	return out, nil
}

// fileExists is os.Stat, replaced in tests.
var fileExists = func(path string) bool { _, err := os.Stat(path); return err == nil }
