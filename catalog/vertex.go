package catalog

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/credentials"
)

func init() { register("vertex", listVertex) }

// vertexPublishers are the Model Garden publishers whose models tollgate serves on Vertex.
var vertexPublishers = []string{"anthropic", "google"}

// listVertex reads Model Garden's publisher models of Anthropic and Google, GET
// /v1beta1/publishers/{publisher}/models on the provider's regional host, with a bearer
// token from Google application default credentials (the ones tollgate serves with), page
// after page by pageToken and nextPageToken. Every version is listed: a Claude model is
// invoked as "{model}@{version}" (claude-sonnet-4-5@20250929), a Google one by its name.
func listVertex(ctx context.Context, f *fetcher, p config.Provider) error {
	base, err := baseURL(p)
	if err != nil {
		return err
	}
	tok, err := credentials.NewGoogle(credentials.CloudPlatformScope).Token(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}}
	for _, pub := range vertexPublishers {
		if err := listPublisher(ctx, f, base+"/v1beta1/publishers/"+pub+"/models", h, pub == "anthropic"); err != nil {
			return fmt.Errorf("publisher %s: %w", pub, err)
		}
	}
	return nil
}

func listPublisher(ctx context.Context, f *fetcher, u string, h http.Header, versioned bool) error {
	q := url.Values{"listAllVersions": {"true"}, "view": {"PUBLISHER_MODEL_VERSION_VIEW_BASIC"}}
	for {
		var page struct {
			PublisherModels []struct {
				Name      string `json:"name"` // publishers/{publisher}/models/{model}
				VersionID string `json:"versionId"`
			} `json:"publisherModels"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := f.getJSON(ctx, u+"?"+q.Encode(), h, &page); err != nil {
			return err
		}
		for _, m := range page.PublisherModels {
			id := m.Name[strings.LastIndexByte(m.Name, '/')+1:]
			if versioned && isDate(m.VersionID) {
				id += "@" + m.VersionID
			}
			if err := f.add(id); err != nil {
				return err
			}
		}
		if more, err := f.next(page.NextPageToken); err != nil || !more {
			return err
		}
		q.Set("pageToken", page.NextPageToken)
	}
}

// isDate reports an 8-digit version such as 20250929.
func isDate(v string) bool {
	if len(v) != 8 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
