package catalog

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tollgate/tollgate/internal/config"
)

func init() { register("azure_openai", listAzure) }

// listAzure lists what an Azure OpenAI resource serves, with its api-key.
//
// Azure no longer lists deployments on the data plane: GET
// /openai/deployments?api-version=… was retired after 2023-03-15-preview in favour of the
// management plane (Microsoft Q&A "Get Azure OpenAi deployments in API",
// https://learn.microsoft.com/en-us/answers/questions/1371786), which needs an Azure
// subscription, resource group and Entra token rather than the key tollgate has. What the
// data plane serves with the key is the list of models the resource can use:
//   - dated api_version: GET /openai/models?api-version={api_version} (REST reference
//     "Models - List", https://learn.microsoft.com/en-us/rest/api/azureopenai/models/list);
//   - api_version v1: GET /openai/v1/models, the OpenAI-compatible v1 API (opt-in since
//     August 2025, https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle).
//
// Both answer {"data":[{"id":...}]}. The ids are model names, so a rule whose
// upstream_model is a deployment named otherwise shows as none (see the README).
func listAzure(ctx context.Context, f *fetcher, p config.Provider) error {
	u := p.EndpointURL()
	if u == nil {
		return errors.New("set the provider's endpoint (https://<resource>.openai.azure.com) to list its models")
	}
	path := u.String() + "/openai/models?" + url.Values{"api-version": {p.APIVersion}}.Encode()
	if p.APIVersion == "v1" {
		path = u.String() + "/openai/v1/models"
	}
	var list openAIList
	if err := f.getJSON(ctx, path, http.Header{"Api-Key": {p.APIKey}}, &list); err != nil {
		return err
	}
	return list.addTo(f)
}
