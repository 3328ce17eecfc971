package envoy_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The plain-text clusters point at docker-compose services, and the tollgate cluster at
// the port deploy/tollgate.yaml listens on.
func TestClustersMatchCompose(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	if !mountsEnvoyYAML(compose.Services["envoy"].Volumes) {
		t.Error("compose service envoy does not mount ./envoy/envoy.yaml")
	}

	b := loadShipped(t)
	for _, c := range b.GetStaticResources().GetClusters() {
		if c.GetTransportSocket() != nil {
			continue
		}
		sa := c.GetLoadAssignment().GetEndpoints()[0].GetLbEndpoints()[0].GetEndpoint().GetAddress().GetSocketAddress()
		svc, ok := compose.Services[sa.GetAddress()]
		if !ok {
			t.Errorf("cluster %s: endpoint %q is not a compose service", c.GetName(), sa.GetAddress())
			continue
		}
		if sa.GetAddress() == "mock" && !strings.Contains(strings.Join(svc.Command, " "), ":"+strconv.FormatUint(uint64(sa.GetPortValue()), 10)) {
			t.Errorf("cluster %s: port %d is not the mock's -listen port (%v)", c.GetName(), sa.GetPortValue(), svc.Command)
		}
	}

	var deploy struct {
		Listen string `yaml:"listen"`
	}
	raw, err := os.ReadFile("../deploy/tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &deploy); err != nil {
		t.Fatal(err)
	}
	tg := cluster(t, b, "tollgate").GetLoadAssignment().GetEndpoints()[0].GetLbEndpoints()[0].GetEndpoint().GetAddress().GetSocketAddress()
	if tg.GetAddress() != "tollgate" || !strings.HasSuffix(deploy.Listen, ":"+strconv.FormatUint(uint64(tg.GetPortValue()), 10)) {
		t.Errorf("tollgate cluster %s:%d, deploy listen %q: want the compose service on the same port",
			tg.GetAddress(), tg.GetPortValue(), deploy.Listen)
	}
}

func mountsEnvoyYAML(volumes []string) bool {
	for _, v := range volumes {
		if strings.HasPrefix(v, "./envoy/envoy.yaml:") {
			return true
		}
	}
	return false
}
