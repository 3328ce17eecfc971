package deploytest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"sigs.k8s.io/yaml"
)

// extProcType is the typed_config type URL of Envoy's ext_proc HTTP filter.
const extProcType = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor"

// envoyConfig is the part of an Envoy bootstrap these tests read. The envoy package validates
// the whole file against the real protos; here only the wiring to other artefacts matters.
type envoyConfig struct {
	Admin struct {
		Address envoyAddress `json:"address"`
	} `json:"admin"`
	StaticResources struct {
		Listeners []struct {
			Name    string       `json:"name"`
			Address envoyAddress `json:"address"`
		} `json:"listeners"`
		Clusters []envoyCluster `json:"clusters"`
	} `json:"static_resources"`

	tree any // the whole document, for searches by type URL
}

type envoyCluster struct {
	Name           string `json:"name"`
	LoadAssignment struct {
		Endpoints []struct {
			LbEndpoints []struct {
				Endpoint struct {
					Address envoyAddress `json:"address"`
				} `json:"endpoint"`
			} `json:"lb_endpoints"`
		} `json:"endpoints"`
	} `json:"load_assignment"`
}

type envoyAddress struct {
	SocketAddress struct {
		Address   string `json:"address"`
		PortValue int    `json:"port_value"`
	} `json:"socket_address"`
}

func (a envoyAddress) String() string {
	return a.SocketAddress.Address + ":" + strconv.Itoa(a.SocketAddress.PortValue)
}

func parseEnvoyConfig(b []byte) (*envoyConfig, error) {
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	var c envoyConfig
	if err := json.Unmarshal(js, &c); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(js, &c.tree); err != nil {
		return nil, err
	}
	return &c, nil
}

// listenerPorts returns the port of every static listener.
func (c *envoyConfig) listenerPorts() []int {
	var out []int
	for _, l := range c.StaticResources.Listeners {
		out = append(out, l.Address.SocketAddress.PortValue)
	}
	return out
}

// endpoints returns the socket addresses of a static cluster, or an error if it is missing.
func (c *envoyConfig) endpoints(cluster string) ([]envoyAddress, error) {
	for _, cl := range c.StaticResources.Clusters {
		if cl.Name != cluster {
			continue
		}
		var out []envoyAddress
		for _, e := range cl.LoadAssignment.Endpoints {
			for _, lb := range e.LbEndpoints {
				out = append(out, lb.Endpoint.Address)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("cluster %q has no endpoints", cluster)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no cluster %q", cluster)
}

// extProcConfigs returns every ext_proc filter config in the document (listener or
// upstream filter chains alike), in document order.
func (c *envoyConfig) extProcConfigs() []map[string]any {
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if n["@type"] == extProcType {
				out = append(out, n)
				return
			}
			for _, k := range sortedKeys(n) {
				walk(n[k])
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		}
	}
	walk(c.tree)
	return out
}

// extProcClusters returns the envoy_grpc cluster names the ext_proc filters call.
func (c *envoyConfig) extProcClusters() []string {
	var out []string
	for _, cfg := range c.extProcConfigs() {
		gs, _ := cfg["grpc_service"].(map[string]any)
		eg, _ := gs["envoy_grpc"].(map[string]any)
		if name, ok := eg["cluster_name"].(string); ok {
			out = append(out, name)
		}
	}
	return out
}

// providerHeader is the request header tollgate sets to the provider name, on which Envoy's
// routes select the provider's cluster.
const providerHeader = "x-tollgate-provider"

// providerRoutes maps each provider name that a route matches exactly in the
// x-tollgate-provider header to the cluster that route sends to.
func (c *envoyConfig) providerRoutes() map[string]string {
	out := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			match, _ := n["match"].(map[string]any)
			route, _ := n["route"].(map[string]any)
			if match != nil && route != nil {
				headers, _ := match["headers"].([]any)
				for _, h := range headers {
					hm, _ := h.(map[string]any)
					if hm["name"] != providerHeader {
						continue
					}
					sm, _ := hm["string_match"].(map[string]any)
					provider, ok := sm["exact"].(string)
					cluster, ok2 := route["cluster"].(string)
					if ok && ok2 {
						out[provider] = cluster
					}
				}
				return
			}
			for _, k := range sortedKeys(n) {
				walk(n[k])
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		}
	}
	walk(c.tree)
	return out
}

// lookup follows map keys from v; it returns nil where a key is missing.
func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// clone deep-copies a decoded JSON tree.
func clone(v any) any {
	switch n := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, e := range n {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, e := range n {
			out[i] = clone(e)
		}
		return out
	default:
		return v
	}
}

// clusterTree returns the decoded static cluster with the given name.
func clusterTree(t testing.TB, c *envoyConfig, name string) any {
	t.Helper()
	cls, _ := lookup(c.tree, "static_resources", "clusters").([]any)
	for _, cl := range cls {
		if lookup(cl, "name") == name {
			return cl
		}
	}
	t.Fatalf("no cluster %q", name)
	return nil
}

// routeTree returns the decoded route with the given name, from any virtual host.
func routeTree(t testing.TB, c *envoyConfig, name string) any {
	t.Helper()
	var found any
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if routes, ok := n["routes"].([]any); ok {
				for _, r := range routes {
					if lookup(r, "name") == name && found == nil {
						found = r
					}
				}
			}
			for _, k := range sortedKeys(n) {
				walk(n[k])
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		}
	}
	walk(c.tree)
	if found == nil {
		t.Fatalf("no route %q", name)
	}
	return found
}
