package catalog

import (
	"context"
	"net/http"

	"github.com/tollgate/tollgate/internal/config"
)

func init() { register("openai", listOpenAI) }

// openAIList is the OpenAI list shape, {"data":[{"id":...}]}, that Azure OpenAI's model
// lists share.
type openAIList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
}

func (l openAIList) addTo(f *fetcher) error {
	for _, m := range l.Data {
		if err := f.add(m.ID); err != nil {
			return err
		}
	}
	return nil
}

// listOpenAI reads GET /v1/models with the key as a bearer token (one page).
func listOpenAI(ctx context.Context, f *fetcher, p config.Provider) error {
	base, err := baseURL(p)
	if err != nil {
		return err
	}
	var list openAIList
	if err := f.getJSON(ctx, base+"/v1/models", http.Header{"Authorization": {"Bearer " + p.APIKey}}, &list); err != nil {
		return err
	}
	return list.addTo(f)
}
