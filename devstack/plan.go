package devstack

import (
	"errors"
	"fmt"
	"sort"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
)

// MockHost is the docker-compose service of the mock provider (`tollgate mock`). A
// provider whose Envoy cluster sends plain HTTP to this host is served by the built-in
// mock; every other provider goes to its real cluster.
const MockHost = "mock"

// plan is where the config's providers go, read from Envoy's routes.
type plan struct {
	// routes are the Envoy routes of the config's providers, by provider name.
	routes map[string]envoy.RouteInfo
	// mock and real are the provider names served by the mock and by their own
	// clusters, sorted.
	mock, real []string
	// tollgateCluster is the ext_proc filter's gRPC cluster.
	tollgateCluster string
}

// makePlan matches the config's providers with b's routes. Every provider must have a
// route, as `tollgate check -envoy` requires.
func makePlan(l *config.Loaded, b *bootstrapv3.Bootstrap) (*plan, error) {
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		return nil, fmt.Errorf("envoy config: %w", err)
	}
	ep, err := envoy.ExtProcFilter(b)
	if err != nil {
		return nil, fmt.Errorf("envoy config: %w", err)
	}
	p := &plan{routes: map[string]envoy.RouteInfo{}, tollgateCluster: ep.GetGrpcService().GetEnvoyGrpc().GetClusterName()}
	if p.tollgateCluster == "" {
		return nil, errors.New("envoy config: the ext_proc filter must use envoy_grpc with a cluster_name")
	}
	var errs []error
	for _, pr := range l.Providers {
		r, ok := routes[pr.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("provider %q: the Envoy config has no route matching %s: %s (give tollgate dev one with -envoy FILE)",
				pr.Name, envoy.ProviderHeader, pr.Name))
			continue
		}
		p.routes[pr.Name] = r
		if servedByMock(r) {
			p.mock = append(p.mock, pr.Name)
		} else {
			p.real = append(p.real, pr.Name)
		}
	}
	sort.Strings(p.mock)
	sort.Strings(p.real)
	return p, errors.Join(errs...)
}

func servedByMock(r envoy.RouteInfo) bool { return !r.TLS && r.Host == MockHost }

// mockClusters are the clusters the mock stands in for.
func (p *plan) mockClusters() map[string]bool {
	out := map[string]bool{}
	for _, name := range p.mock {
		out[p.routes[name].Cluster] = true
	}
	return out
}
