package devstack

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestEnvoyVersionIsComposes: the Envoy tollgate dev downloads is the one docker-compose
// runs, and the Helm chart too.
func TestEnvoyVersionIsComposes(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image string `json:"image"`
		} `json:"services"`
	}
	readYAML(t, "../docker-compose.yaml", &compose)
	if got, want := compose.Services["envoy"].Image, "envoyproxy/envoy:v"+EnvoyVersion; got != want {
		t.Errorf("docker-compose.yaml runs %s; tollgate dev downloads Envoy %s (devstack.EnvoyVersion): change both", got, EnvoyVersion)
	}
	var values struct {
		Envoy struct {
			Image struct {
				Tag string `json:"tag"`
			} `json:"image"`
		} `json:"envoy"`
	}
	readYAML(t, "../charts/tollgate/values.yaml", &values)
	// The chart runs the Ubuntu-based image (its drain preStop needs bash) or the
	// distroless one; either way at tollgate dev's version.
	if got := values.Envoy.Image.Tag; got != "v"+EnvoyVersion && got != "distroless-v"+EnvoyVersion {
		t.Errorf("the chart runs Envoy %s, tollgate dev %s", got, EnvoyVersion)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
