package mock

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Auth checks a request a Provider got; its error says what is wrong (a Refusal also
// says how to answer). Checks see the whole body, so an upstream can refuse a body the
// real one would refuse.
type Auth func(r *http.Request, body []byte) error

// Refusal is an Auth error that chooses the answer: Status (0: 401), Header and Body,
// where any other error is answered with an empty 401.
type Refusal struct {
	Err    error
	Status int
	Header http.Header
	Body   []byte
}

func (e *Refusal) Error() string { return e.Err.Error() }
func (e *Refusal) Unwrap() error { return e.Err }

// refuse answers a request that failed a check.
func refuse(w http.ResponseWriter, err error) {
	rf, ok := errors.AsType[*Refusal](err)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	for k, vs := range rf.Header {
		w.Header()[k] = vs
	}
	status := rf.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	w.WriteHeader(status)
	_, _ = w.Write(rf.Body)
}

// All runs checks in order and returns the first error.
func All(checks ...Auth) Auth {
	return func(r *http.Request, body []byte) error {
		for _, c := range checks {
			if err := c(r, body); err != nil {
				return err
			}
		}
		return nil
	}
}

// NoClientKeys requires that none of keys appears in any request header or in the
// query (Gemini clients may send theirs as ?key=): the gateway must strip the client's
// key before it forwards a request.
func NoClientKeys(keys ...string) Auth {
	return func(r *http.Request, _ []byte) error {
		for _, k := range keys {
			if k != "" && (strings.Contains(r.URL.RawQuery, k) || strings.Contains(r.URL.Query().Encode(), k)) {
				return fmt.Errorf("the client's key arrived in the query")
			}
		}
		for name, vs := range r.Header {
			for _, v := range vs {
				for _, k := range keys {
					if k != "" && strings.Contains(v, k) {
						return fmt.Errorf("the client's key arrived in header %s", name)
					}
				}
			}
		}
		return nil
	}
}

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

// GeminiAuth checks x-goog-api-key (the Gemini API).
func GeminiAuth(key string) Auth {
	return HeaderAuth("x-goog-api-key", key, "authorization", "x-api-key", "api-key")
}

// BearerAuth checks an OAuth bearer token (Vertex).
func BearerAuth(token string) Auth {
	return HeaderAuth("authorization", "Bearer "+token, "x-api-key", "api-key")
}

// redact shortens a credential for a message.
func redact(s string) string {
	if len(s) <= 6 {
		return s
	}
	return s[:6] + "…"
}
