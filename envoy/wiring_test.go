package envoy_test

import (
	"bytes"
	"net"
	"os"
	"slices"
	"strconv"
	"testing"

	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"

	"github.com/tollgate/tollgate/envoy"
)

// The accessors the deployment tests read envoy.yaml's wiring with (these assertions
// come from deploy/deploytest's former map-based parser, which they replace).
func TestWiringAccessors(t *testing.T) {
	b, err := envoy.LoadBootstrap("testdata/wiring.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cms, err := envoy.ConnectionManagers(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cms) != 1 || cms[0].Port != 10000 || cms[0].Address != "0.0.0.0" || cms[0].BufferLimit != envoy.DefaultBufferLimit {
		t.Fatalf("connection managers = %+v, want one on 0.0.0.0:10000 with the default buffer limit", cms)
	}
	if f := cms[0].HTTPFilters; len(f) != 2 || f[0].Name != "envoy.filters.http.ext_proc" {
		t.Errorf("http filters = %v", f)
	} else if _, ok := f[1].Config.(*routerv3.Router); !ok {
		t.Errorf("second http filter is %T, want the router", f[1].Config)
	}
	if sa := b.GetAdmin().GetAddress().GetSocketAddress(); sa.GetAddress() != "0.0.0.0" || sa.GetPortValue() != 9901 {
		t.Errorf("admin = %v", sa)
	}
	eps, err := envoy.TypedConfigsOf[*ext_procv3.ExternalProcessor](b)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || eps[0].GetGrpcService().GetEnvoyGrpc().GetClusterName() != "tollgate" || eps[0].GetMessageTimeout().AsDuration().String() != "5s" {
		t.Errorf("ext_proc filters = %v", eps)
	}
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 1 || routes["mock-anthropic"].Cluster != "mock-anthropic" {
		t.Errorf("provider routes = %v", routes)
	}
	tests := []struct {
		cluster string
		want    []string
		wantErr bool
	}{
		{cluster: "tollgate", want: []string{"tollgate:50051"}},
		{cluster: "mock-anthropic", want: []string{"mock:8080", "mock2:8081"}},
		{cluster: "empty", wantErr: true},
		{cluster: "absent", wantErr: true},
	}
	for _, tt := range tests {
		eps, err := envoy.ClusterEndpoints(b, tt.cluster)
		if (err != nil) != tt.wantErr {
			t.Errorf("ClusterEndpoints(%q) err = %v, wantErr %v", tt.cluster, err, tt.wantErr)
			continue
		}
		var got []string
		for _, e := range eps {
			got = append(got, net.JoinHostPort(e.GetAddress(), strconv.FormatUint(uint64(e.GetPortValue()), 10)))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ClusterEndpoints(%q) = %v, want %v", tt.cluster, got, tt.want)
		}
	}
}

// The embedded copy is the file next to it, and loads.
func TestShipped(t *testing.T) {
	onDisk, err := os.ReadFile("envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(envoy.ShippedYAML(), onDisk) {
		t.Error("ShippedYAML differs from envoy.yaml")
	}
	b, err := envoy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envoy.ExtProcFilter(b); err != nil {
		t.Fatal(err)
	}
}
