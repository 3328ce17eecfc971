// Package credentials holds the cloud credential sources that providers sign requests
// with: the AWS default credential chain and Google application default credentials.
// Each source is built once, caches what it fetches, refreshes it before it expires, and
// never makes a caller wait longer than the caller's context allows. Secrets are never
// logged.
package credentials

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// RefreshWindow is how long before expiry cached credentials are refreshed.
const RefreshWindow = 5 * time.Minute

// AWS is the AWS default credential chain (environment, shared profile, web identity /
// IRSA, ECS task role, EC2 instance metadata) behind a cache.
type AWS struct {
	cache aws.CredentialsProvider
}

// NewAWS builds the chain for region. It reads the configuration but fetches nothing.
// The SDK's own messages (such as an IMDSv1 fallback) go to log as warnings instead of
// the SDK's default of standard output; nil discards them.
func NewAWS(ctx context.Context, region string, log *slog.Logger) (*AWS, error) {
	cfg, err := AWSConfig(ctx, region, log)
	if err != nil {
		return nil, err
	}
	p := cfg.Credentials
	if p == nil {
		return nil, fmt.Errorf("aws configuration: no credential source")
	}
	if _, cached := p.(*aws.CredentialsCache); !cached {
		p = aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = RefreshWindow })
	}
	return &AWS{cache: p}, nil
}

// AWSConfig is the AWS default configuration for region, as NewAWS reads it: the
// credential chain (cached, refreshed RefreshWindow before expiry) and the rest of the
// shared settings (profiles, AWS_ENDPOINT_URL_<SERVICE>), for a client of another AWS
// service on the same credentials. It fetches nothing.
func AWSConfig(ctx context.Context, region string, log *slog.Logger) (aws.Config, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			log.Warn("aws sdk: "+fmt.Sprintf(format, v...), "classification", string(c))
		})),
		config.WithCredentialsCacheOptions(func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow = RefreshWindow
		}),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws configuration: %w", err)
	}
	return cfg, nil
}

// Retrieve returns the current credentials, fetching them when the cache is empty or
// about to expire. It returns when ctx is done even if a fetch is still running (that
// fetch then goes on and fills the cache for later callers).
func (a *AWS) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := a.cache.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	if !c.HasKeys() {
		return aws.Credentials{}, fmt.Errorf("aws credentials are empty")
	}
	return c, nil
}
