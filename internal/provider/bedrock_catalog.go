package provider

import "encoding/json"

func init() { RegisterCatalog("bedrock", bedrockCatalog) }

// bedrockCatalog answers the listings Claude Code's Bedrock mode may probe, in the
// Bedrock control plane's shapes (ListInferenceProfiles, ListFoundationModels), with
// every exact model that a Bedrock provider serves.
func bedrockCatalog(exact []string) map[string][]byte {
	type model struct {
		ModelArn string `json:"modelArn"`
	}
	type profile struct {
		Name   string  `json:"inferenceProfileName"`
		ID     string  `json:"inferenceProfileId"`
		Arn    string  `json:"inferenceProfileArn"`
		Status string  `json:"status"`
		Type   string  `json:"type"`
		Models []model `json:"models"`
	}
	type summary struct {
		ID          string   `json:"modelId"`
		Arn         string   `json:"modelArn"`
		Name        string   `json:"modelName"`
		Provider    string   `json:"providerName"`
		Streaming   bool     `json:"responseStreamingSupported"`
		InputModes  []string `json:"inputModalities"`
		OutputModes []string `json:"outputModalities"`
		Lifecycle   struct {
			Status string `json:"status"`
		} `json:"modelLifecycle"`
	}
	profiles := struct {
		Items []profile `json:"inferenceProfileSummaries"`
	}{Items: []profile{}}
	models := struct {
		Items []summary `json:"modelSummaries"`
	}{Items: []summary{}}
	for _, m := range exact {
		arn := "arn:aws:bedrock:::foundation-model/" + m
		profiles.Items = append(profiles.Items, profile{Name: m, ID: m, Arn: arn, Status: "ACTIVE", Type: "SYSTEM_DEFINED", Models: []model{{arn}}})
		s := summary{ID: m, Arn: arn, Name: m, Provider: "Anthropic", Streaming: true, InputModes: []string{"TEXT", "IMAGE"}, OutputModes: []string{"TEXT"}}
		s.Lifecycle.Status = "ACTIVE"
		models.Items = append(models.Items, s)
	}
	p, _ := json.Marshal(profiles)
	f, _ := json.Marshal(models)
	return map[string][]byte{"inference-profiles": p, "foundation-models": f}
}
