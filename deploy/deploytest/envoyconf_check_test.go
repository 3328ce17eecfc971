package deploytest

import (
	"os"
	"slices"
	"testing"
)

func TestParseEnvoyConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/envoy-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseEnvoyConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.listenerPorts(); !slices.Equal(got, []int{10000}) {
		t.Errorf("listenerPorts = %v", got)
	}
	if got := c.Admin.Address.String(); got != "0.0.0.0:9901" {
		t.Errorf("admin = %s", got)
	}
	if got := c.extProcClusters(); !slices.Equal(got, []string{"tollgate"}) {
		t.Errorf("extProcClusters = %v", got)
	}
	if cfgs := c.extProcConfigs(); len(cfgs) != 1 || cfgs[0]["message_timeout"] != "5s" {
		t.Errorf("extProcConfigs = %v", cfgs)
	}
	if got := c.providerRoutes(); len(got) != 1 || got["mock-anthropic"] != "mock-anthropic" {
		t.Errorf("providerRoutes = %v", got)
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
		eps, err := c.endpoints(tt.cluster)
		if (err != nil) != tt.wantErr {
			t.Errorf("endpoints(%q) err = %v, wantErr %v", tt.cluster, err, tt.wantErr)
			continue
		}
		var got []string
		for _, e := range eps {
			got = append(got, e.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("endpoints(%q) = %v, want %v", tt.cluster, got, tt.want)
		}
	}
}

func TestParseEnvoyConfigRejectsBadYAML(t *testing.T) {
	if _, err := parseEnvoyConfig([]byte("static_resources: [unclosed")); err == nil {
		t.Fatal("no error for malformed YAML")
	}
}
