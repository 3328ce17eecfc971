package provider

import (
	"testing"

	"github.com/tollgate/tollgate/internal/config"
)

// TestProviderHostIsTheConfigDefault: the host a built Bedrock provider signs for and a
// Vertex provider sends to is config.DefaultHost, the one `tollgate check` compares with
// Envoy's clusters.
func TestProviderHostIsTheConfigDefault(t *testing.T) {
	bedrockIsolateAWS(t)
	for _, cfg := range []Config{
		{Name: "b", Type: "bedrock", Region: "eu-west-1", APIKey: "k"},
		{Name: "b2", Type: "bedrock", Region: "us-east-1", APIKey: "k", Host: "vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"},
		{Name: "v", Type: "vertex", Project: "p", Region: "us-east5"},
		{Name: "v2", Type: "vertex", Project: "p", Region: "global"},
	} {
		p, err := New(cfg, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		want := config.DefaultHost(cfg.Type, cfg.Region, cfg.Host)
		if h := p.(interface{ Host() string }).Host(); h != want {
			t.Errorf("%s: provider host %q, config.DefaultHost %q", cfg.Name, h, want)
		}
	}
}
