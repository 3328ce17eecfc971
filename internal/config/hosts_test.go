package config

import "testing"

func TestDefaultHost(t *testing.T) {
	for _, tc := range []struct {
		typ, region, host, want string
	}{
		{"anthropic", "", "", "api.anthropic.com"},
		{"openai", "", "", "api.openai.com"},
		{"gemini", "", "", "generativelanguage.googleapis.com"},
		{"azure_openai", "", "", ""},
		{"bedrock", "ap-northeast-1", "", "bedrock-runtime.ap-northeast-1.amazonaws.com"},
		{"bedrock", "us-east-1", "vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com", "vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"},
		{"vertex", "global", "", "aiplatform.googleapis.com"},
		{"vertex", "us-east5", "", "us-east5-aiplatform.googleapis.com"},
		{"vertex", "eu", "", "aiplatform.eu.rep.googleapis.com"},
		{"anthropic", "", "ignored.example", "api.anthropic.com"},
	} {
		if got := DefaultHost(tc.typ, tc.region, tc.host); got != tc.want {
			t.Errorf("DefaultHost(%q, %q, %q) = %q, want %q", tc.typ, tc.region, tc.host, got, tc.want)
		}
	}
}
