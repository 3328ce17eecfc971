package envoy

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
)

// ProviderHeader is the request header tollgate sets to the provider's name; Envoy's
// routes match on it after tollgate clears the route cache.
const ProviderHeader = "x-tollgate-provider"

// RouteInfo is where Envoy sends a request that tollgate routed to one provider.
type RouteInfo struct {
	// Provider is the x-tollgate-provider value the route matches exactly.
	Provider string
	// Route is the route's name (may be empty).
	Route string
	// Cluster is the route's target cluster.
	Cluster string
	// HostRewrite is the route's host_rewrite_literal (empty: the client's Host is kept).
	HostRewrite string
	// Host and Port are the cluster's first endpoint address.
	Host string
	Port uint32
	// TLS reports whether the cluster's transport socket is an UpstreamTlsContext;
	// SNI is its server name (empty when TLS is false or no SNI is set).
	TLS bool
	SNI string
	// Upstream holds what else decides the Host and SNI the provider sees (upstream.go).
	Upstream
}

// Endpoint is the cluster endpoint as host:port.
func (r RouteInfo) Endpoint() string {
	return net.JoinHostPort(r.Host, strconv.FormatUint(uint64(r.Port), 10))
}

// ProviderRoutes returns, per x-tollgate-provider value, the route of b that matches
// that header exactly, with its cluster's endpoint and TLS settings. Routes that do not
// match on the header (such as a catch-all) are skipped. It is an error for a route to
// match the header other than exactly (or inverted), to route to anything but one named
// static cluster, to name a missing or endpoint-less cluster, for two routes to claim the
// same provider, and for a listener to use RDS (only inline route configs can be read).
func ProviderRoutes(b *bootstrapv3.Bootstrap) (map[string]RouteInfo, error) {
	cms, err := ConnectionManagers(b)
	if err != nil {
		return nil, err
	}
	if len(cms) == 0 {
		return nil, errors.New("no http connection manager in any static listener")
	}
	clusters := make(map[string]*clusterv3.Cluster)
	for _, c := range b.GetStaticResources().GetClusters() {
		clusters[c.GetName()] = c
	}
	out := make(map[string]RouteInfo)
	for _, cm := range cms {
		rc := cm.HCM.GetRouteConfig()
		if rc == nil {
			return nil, fmt.Errorf("listener %q: no inline route_config (RDS and scoped routes are not supported)", cm.Listener)
		}
		for _, vh := range rc.GetVirtualHosts() {
			for i, r := range vh.GetRoutes() {
				where := fmt.Sprintf("listener %q virtual host %q route %d (%q)", cm.Listener, vh.GetName(), i, r.GetName())
				provider, ok, err := providerMatch(r.GetMatch())
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				if !ok {
					continue
				}
				if prev, dup := out[provider]; dup {
					return nil, fmt.Errorf("%s: provider %q is already routed by route %q", where, provider, prev.Route)
				}
				info, err := routeInfo(provider, r, clusters)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				out[provider] = info
			}
		}
	}
	return out, nil
}

// providerMatch returns the provider name a route matches on, if it matches ProviderHeader.
func providerMatch(m *routev3.RouteMatch) (string, bool, error) {
	for _, h := range m.GetHeaders() {
		if !strings.EqualFold(h.GetName(), ProviderHeader) {
			continue
		}
		if h.GetInvertMatch() || h.GetTreatMissingHeaderAsEmpty() {
			return "", false, fmt.Errorf("%s matcher must be a plain exact match", ProviderHeader)
		}
		if sm := h.GetStringMatch(); sm != nil && sm.GetExact() != "" && !sm.GetIgnoreCase() {
			return sm.GetExact(), true, nil
		}
		if v := h.GetExactMatch(); v != "" { //nolint:staticcheck // the deprecated form still routes in Envoy
			return v, true, nil
		}
		return "", false, fmt.Errorf("%s matcher must be an exact, case-sensitive string match", ProviderHeader)
	}
	return "", false, nil
}

func routeInfo(provider string, r *routev3.Route, clusters map[string]*clusterv3.Cluster) (RouteInfo, error) {
	ra := r.GetRoute()
	if ra == nil {
		return RouteInfo{}, fmt.Errorf("provider %q: the route has no route action (redirect or direct response)", provider)
	}
	name := ra.GetCluster()
	if name == "" {
		return RouteInfo{}, fmt.Errorf("provider %q: the route must name one cluster (not weighted_clusters or cluster_header)", provider)
	}
	c, ok := clusters[name]
	if !ok {
		return RouteInfo{}, fmt.Errorf("provider %q: cluster %q is not a static cluster", provider, name)
	}
	info := RouteInfo{Provider: provider, Route: r.GetName(), Cluster: name, HostRewrite: ra.GetHostRewriteLiteral()}
	eps := Endpoints(c)
	if len(eps) == 0 {
		return RouteInfo{}, fmt.Errorf("provider %q: cluster %q has no socket-address endpoint", provider, name)
	}
	info.Host, info.Port = eps[0].GetAddress(), eps[0].GetPortValue()
	if ts := c.GetTransportSocket(); ts != nil && ts.GetTypedConfig() != nil {
		msg, err := ts.GetTypedConfig().UnmarshalNew()
		if err != nil {
			return RouteInfo{}, fmt.Errorf("cluster %q transport socket: %w", name, err)
		}
		if tls, ok := msg.(*tlsv3.UpstreamTlsContext); ok {
			info.TLS, info.SNI = true, tls.GetSni()
		}
	}
	return info, info.Upstream.read(ra, c)
}
