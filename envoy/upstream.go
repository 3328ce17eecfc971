package envoy

import (
	"fmt"
	"net"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
)

// httpProtocolOptionsKey is the typed_extension_protocol_options key of a cluster's
// upstream HTTP options (where auto_sni lives).
const httpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

// Upstream is what, besides host_rewrite_literal and the TLS context's sni, decides the
// Host header and the TLS server name a provider receives.
type Upstream struct {
	// AutoHostRewrite is the route's auto_host_rewrite: Host becomes the chosen
	// endpoint's hostname (its `hostname` field, else for a DNS cluster its address).
	AutoHostRewrite bool
	// DynamicHostRewrite: the route takes Host from a header or a path regex, which no
	// file can tell.
	DynamicHostRewrite bool
	// EndpointHostname is the `hostname` field of the cluster's first endpoint.
	EndpointHostname string
	// DNS reports a STRICT_DNS or LOGICAL_DNS cluster (its endpoint address is a name).
	DNS bool
	// AutoSNI is the cluster's upstream_http_protocol_options.auto_sni: the TLS server
	// name is the request's Host (after the route's rewrite).
	AutoSNI bool
}

func (u *Upstream) read(ra *routev3.RouteAction, c *clusterv3.Cluster) error {
	u.AutoHostRewrite = ra.GetAutoHostRewrite().GetValue()
	u.DynamicHostRewrite = ra.GetHostRewriteHeader() != "" || ra.GetHostRewritePathRegex() != nil
	for _, le := range c.GetLoadAssignment().GetEndpoints() {
		if lb := le.GetLbEndpoints(); len(lb) > 0 {
			u.EndpointHostname = lb[0].GetEndpoint().GetHostname()
			break
		}
	}
	t := c.GetType()
	u.DNS = c.GetClusterType() == nil && (t == clusterv3.Cluster_STRICT_DNS || t == clusterv3.Cluster_LOGICAL_DNS)
	if a, ok := c.GetTypedExtensionProtocolOptions()[httpProtocolOptionsKey]; ok {
		msg, err := a.UnmarshalNew()
		if err != nil {
			return fmt.Errorf("cluster %q %s: %w", c.GetName(), httpProtocolOptionsKey, err)
		}
		if o, ok := msg.(*httpv3.HttpProtocolOptions); ok {
			u.AutoSNI = o.GetUpstreamHttpProtocolOptions().GetAutoSni()
		}
	}
	return nil
}

// UpstreamHost is the Host header Envoy sends the provider, without a port: the route's
// host_rewrite_literal, or with auto_host_rewrite the endpoint's hostname (a DNS
// cluster's address when it has none). "" means Envoy keeps the client's Host (or, with
// DynamicHostRewrite, that the file cannot tell).
func (r RouteInfo) UpstreamHost() string {
	switch {
	case r.HostRewrite != "":
		return hostOnly(r.HostRewrite)
	case !r.AutoHostRewrite:
		return ""
	case r.EndpointHostname != "":
		return hostOnly(r.EndpointHostname)
	case r.DNS:
		return r.Host
	}
	return ""
}

// UpstreamSNI is the TLS server name Envoy sends: the request's Host with auto_sni,
// else the TLS context's sni ("" without TLS).
func (r RouteInfo) UpstreamSNI() string {
	switch {
	case !r.TLS:
		return ""
	case r.AutoSNI:
		return r.UpstreamHost()
	}
	return r.SNI
}

// hostOnly drops a ":port" from a Host value.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}
