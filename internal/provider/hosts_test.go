package provider

import (
	"testing"
)

// TestDefaultHost: the host of each provider type, and the one a built provider uses.
func TestDefaultHost(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Type: "anthropic"}, "api.anthropic.com"},
		{Config{Type: "openai"}, "api.openai.com"},
		{Config{Type: "gemini"}, "generativelanguage.googleapis.com"},
		{Config{Type: "azure_openai"}, ""},
		{Config{Type: "bedrock", Region: "ap-northeast-1"}, "bedrock-runtime.ap-northeast-1.amazonaws.com"},
		{Config{Type: "bedrock", Region: "us-east-1", Host: "vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"}, "vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"},
		{Config{Type: "vertex", Region: "global"}, "aiplatform.googleapis.com"},
		{Config{Type: "vertex", Region: "us-east5"}, "us-east5-aiplatform.googleapis.com"},
		{Config{Type: "vertex", Region: "eu"}, "aiplatform.eu.rep.googleapis.com"},
	} {
		if got := DefaultHost(tc.cfg); got != tc.want {
			t.Errorf("DefaultHost(%+v) = %q, want %q", tc.cfg, got, tc.want)
		}
	}
	// The host a built provider signs for or sends to is the same one.
	bedrockIsolateAWS(t)
	for _, cfg := range []Config{
		{Name: "b", Type: "bedrock", Region: "eu-west-1", APIKey: "k"},
		{Name: "v", Type: "vertex", Project: "p", Region: "us-east5"},
	} {
		p, err := New(cfg, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		if h := p.(interface{ Host() string }).Host(); h != DefaultHost(cfg) {
			t.Errorf("%s: provider host %q, DefaultHost %q", cfg.Type, h, DefaultHost(cfg))
		}
	}
}
