package envoy

import (
	"fmt"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

// Cluster returns the static cluster of b with the given name.
func Cluster(b *bootstrapv3.Bootstrap, name string) (*clusterv3.Cluster, bool) {
	for _, c := range b.GetStaticResources().GetClusters() {
		if c.GetName() == name {
			return c, true
		}
	}
	return nil, false
}

// Endpoints returns the socket addresses of every endpoint of c's load assignment, in
// file order (endpoints without a socket address, such as pipes, are skipped).
func Endpoints(c *clusterv3.Cluster) []*corev3.SocketAddress {
	var out []*corev3.SocketAddress
	for _, le := range c.GetLoadAssignment().GetEndpoints() {
		for _, lb := range le.GetLbEndpoints() {
			if sa := lb.GetEndpoint().GetAddress().GetSocketAddress(); sa != nil {
				out = append(out, sa)
			}
		}
	}
	return out
}

// ClusterEndpoints returns the endpoints of the static cluster name; a missing cluster
// or one without socket-address endpoints is an error.
func ClusterEndpoints(b *bootstrapv3.Bootstrap, name string) ([]*corev3.SocketAddress, error) {
	c, ok := Cluster(b, name)
	if !ok {
		return nil, fmt.Errorf("no cluster %q", name)
	}
	eps := Endpoints(c)
	if len(eps) == 0 {
		return nil, fmt.Errorf("cluster %q has no endpoints", name)
	}
	return eps, nil
}
