package mock

import (
	"fmt"
	"net/http"
)

// HeaderAuth requires header name to equal want and the headers in absent to be missing.
func HeaderAuth(name, want string, absent ...string) Auth {
	return func(r *http.Request, _ []byte) error {
		if got := r.Header.Get(name); got != want {
			return fmt.Errorf("header %s is %q, want the provider credential", name, redact(got))
		}
		for _, a := range absent {
			if r.Header.Get(a) != "" {
				return fmt.Errorf("header %s must not be sent to this provider", a)
			}
		}
		return nil
	}
}

// AnthropicAuth checks x-api-key; OpenAIAuth the bearer token; AzureAuth api-key.
func AnthropicAuth(key string) Auth { return HeaderAuth("x-api-key", key, "authorization", "api-key") }
func OpenAIAuth(key string) Auth {
	return HeaderAuth("authorization", "Bearer "+key, "x-api-key", "api-key")
}
func AzureAuth(key string) Auth { return HeaderAuth("api-key", key, "authorization", "x-api-key") }

// BearerAuth checks an OAuth bearer token (Vertex).
func BearerAuth(token string) Auth {
	return HeaderAuth("authorization", "Bearer "+token, "x-api-key", "api-key")
}

func redact(s string) string {
	if len(s) <= 6 {
		return s
	}
	return s[:6] + "…"
}
