package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/llm/api"
)

// credentialUnavailable reports a failed or slow cloud credential source: the
// OnCredentialError hook (for the metric), one warning, and a 503 for the client that
// names the provider and never the secret. When the caller's ctx is done (the request
// went away while waiting) the source did not fail: that error is returned as it is.
func credentialUnavailable(ctx context.Context, deps Deps, provider, source string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s credentials for provider %q: %w", source, provider, context.Cause(ctx))
	}
	deps.OnCredentialError(provider)
	reason := "the credential source failed"
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		reason = fmt.Sprintf("the credential source did not answer within %s", deps.CredentialTimeout.Round(time.Millisecond))
	}
	deps.Logger.Warn(source+" credentials unavailable", "provider", provider, "err", credentialErrorText(err))
	return &api.Error{
		Status:  http.StatusServiceUnavailable,
		Message: fmt.Sprintf("credentials for provider %q are unavailable: %s", provider, reason),
	}
}

// credentialErrorText is what is logged of a credential source's error: its first 200
// bytes. A source's error can quote its whole response body, and a source that echoed
// a credential back must not put it in the log.
func credentialErrorText(err error) string {
	const max = 200
	s := err.Error()
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
