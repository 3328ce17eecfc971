package provider

import "testing"

// TestBedrockCatalog: the Bedrock control-plane listings in their exact shapes, empty
// when no exact model is routed to a Bedrock provider.
func TestBedrockCatalog(t *testing.T) {
	tests := []struct {
		name   string
		models map[string][]string
		want   map[string]string
	}{
		{"no bedrock models", map[string][]string{"anthropic": {"claude-x"}}, map[string]string{
			"inference-profiles": `{"inferenceProfileSummaries":[]}`,
			"foundation-models":  `{"modelSummaries":[]}`,
		}},
		{"one bedrock model", map[string][]string{"bedrock": {"claude-y"}, "anthropic": {"claude-x"}}, map[string]string{
			"inference-profiles": `{"inferenceProfileSummaries":[{"inferenceProfileName":"claude-y","inferenceProfileId":"claude-y",` +
				`"inferenceProfileArn":"arn:aws:bedrock:::foundation-model/claude-y","status":"ACTIVE","type":"SYSTEM_DEFINED",` +
				`"models":[{"modelArn":"arn:aws:bedrock:::foundation-model/claude-y"}]}]}`,
			"foundation-models": `{"modelSummaries":[{"modelId":"claude-y","modelArn":"arn:aws:bedrock:::foundation-model/claude-y",` +
				`"modelName":"claude-y","providerName":"Anthropic","responseStreamingSupported":true,` +
				`"inputModalities":["TEXT","IMAGE"],"outputModalities":["TEXT"],"modelLifecycle":{"status":"ACTIVE"}}]}`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Catalogs(tc.models)
			if len(got) != len(tc.want) {
				t.Fatalf("listings = %q", got)
			}
			for name, want := range tc.want {
				if string(got[name]) != want {
					t.Errorf("%s:\n got %s\nwant %s", name, got[name], want)
				}
			}
		})
	}
}
