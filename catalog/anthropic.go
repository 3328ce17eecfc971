package catalog

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tollgate/tollgate/internal/config"
)

func init() { register("anthropic", listAnthropic) }

// anthropicVersion is the API version tollgate sends Anthropic (provider.AnthropicVersion).
const anthropicVersion = "2023-06-01"

// listAnthropic reads GET /v1/models (x-api-key), page after page: `limit` up to 1000,
// `after_id` the last id of the page before, while `has_more`.
func listAnthropic(ctx context.Context, f *fetcher, p config.Provider) error {
	base, err := baseURL(p)
	if err != nil {
		return err
	}
	h := http.Header{"X-Api-Key": {p.APIKey}, "Anthropic-Version": {anthropicVersion}}
	q := url.Values{"limit": {"1000"}}
	for {
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			HasMore bool   `json:"has_more"`
			LastID  string `json:"last_id"`
		}
		if err := f.getJSON(ctx, base+"/v1/models?"+q.Encode(), h, &page); err != nil {
			return err
		}
		for _, m := range page.Data {
			if err := f.add(m.ID); err != nil {
				return err
			}
		}
		if !page.HasMore {
			return nil
		}
		cursor := page.LastID
		if cursor == "" && len(page.Data) > 0 {
			cursor = page.Data[len(page.Data)-1].ID
		}
		if cursor == "" {
			return errors.New("the catalog says has_more but names no last_id to continue after")
		}
		if _, err := f.next(cursor); err != nil {
			return err
		}
		q.Set("after_id", cursor)
	}
}
