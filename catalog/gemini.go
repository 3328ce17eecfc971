package catalog

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate/tollgate/internal/config"
)

func init() { register("gemini", listGemini) }

// listGemini reads the Gemini API's GET /v1beta/models (x-goog-api-key), page after
// page by pageToken and nextPageToken. Its names are "models/{id}".
func listGemini(ctx context.Context, f *fetcher, p config.Provider) error {
	base, err := baseURL(p)
	if err != nil {
		return err
	}
	h := http.Header{"X-Goog-Api-Key": {p.APIKey}}
	q := url.Values{"pageSize": {"1000"}}
	for {
		var page struct {
			Models []struct {
				Name string `json:"name"`
			} `json:"models"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := f.getJSON(ctx, base+"/v1beta/models?"+q.Encode(), h, &page); err != nil {
			return err
		}
		for _, m := range page.Models {
			if err := f.add(strings.TrimPrefix(m.Name, "models/")); err != nil {
				return err
			}
		}
		if more, err := f.next(page.NextPageToken); err != nil || !more {
			return err
		}
		q.Set("pageToken", page.NextPageToken)
	}
}
