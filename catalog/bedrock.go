package catalog

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/credentials"
)

func init() { register("bedrock", listBedrock) }

// listBedrock lists the region's foundation models (ListFoundationModels) and inference
// profiles (ListInferenceProfiles, page after page by nextToken) through aws-sdk-go-v2's
// Bedrock control-plane client, on the AWS default credential chain tollgate signs with
// (SigV4, service bedrock), or with the provider's Bedrock API key as a bearer token.
// The control plane is bedrock.{region}.amazonaws.com unless the AWS settings say
// otherwise (AWS_ENDPOINT_URL_BEDROCK, a profile's endpoint_url): the provider's
// endpoint names the runtime host, which serves no listings.
func listBedrock(ctx context.Context, f *fetcher, p config.Provider) error {
	cfg, err := credentials.AWSConfig(ctx, p.Region, nil)
	if err != nil {
		return err
	}
	client := bedrock.NewFromConfig(cfg, func(o *bedrock.Options) {
		o.HTTPClient = boundedDoer{c: f.client, max: f.limits.MaxBytes}
		o.Retryer = aws.NopRetryer{} // like the other catalogs: one try; a nightly job runs again
		if p.APIKey != "" {
			o.BearerAuthTokenProvider = bearer.StaticTokenProvider{Token: bearer.Token{Value: p.APIKey}}
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		}
	})
	if err := f.page(); err != nil {
		return err
	}
	fm, err := client.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
	if err != nil {
		return fmt.Errorf("ListFoundationModels: %w", err)
	}
	for _, m := range fm.ModelSummaries {
		if err := f.add(aws.ToString(m.ModelId)); err != nil {
			return err
		}
	}
	in := &bedrock.ListInferenceProfilesInput{MaxResults: aws.Int32(1000)}
	for {
		if err := f.page(); err != nil {
			return err
		}
		out, err := client.ListInferenceProfiles(ctx, in)
		if err != nil {
			return fmt.Errorf("ListInferenceProfiles: %w", err)
		}
		for _, ip := range out.InferenceProfileSummaries {
			if err := f.add(aws.ToString(ip.InferenceProfileId)); err != nil {
				return err
			}
		}
		if more, err := f.next(aws.ToString(out.NextToken)); err != nil || !more {
			return err
		}
		in.NextToken = out.NextToken
	}
}

// boundedDoer is the SDK's HTTP client with the catalog's bounds: an HTML answer is an
// error, and a body longer than max fails while it is read.
type boundedDoer struct {
	c   *http.Client
	max int64
}

func (d boundedDoer) Do(r *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(r)
	if err != nil {
		return nil, err
	}
	if isHTML(resp.Header.Get("content-type"), nil) {
		b, _ := readBounded(resp.Body, 4096)
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d: answered HTML, not JSON (a proxy or login page?): %s", resp.StatusCode, snippet(b))
	}
	resp.Body = &capReader{ReadCloser: resp.Body, max: d.max, left: d.max}
	return resp, nil
}

// capReader fails a body once it exceeds its bound.
type capReader struct {
	io.ReadCloser
	max, left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.ReadCloser.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	return n, err
}

func (c *capReader) tooLarge() error {
	return fmt.Errorf("the answer is larger than %d bytes; stopping", c.max)
}
