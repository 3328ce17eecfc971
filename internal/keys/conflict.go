package keys

import (
	"net/http"
	"strings"
)

// Conflicting reports whether a request presents two different keys, in two of the
// CredentialHeaders or twice in one, and names where they are. Claude Code's
// apiKeyHelper sends the same key as both x-api-key and Authorization: Bearer; that is
// one client. Two different keys leave it open which client is asking (and which team
// pays), so the request is refused rather than attributed to either. An Authorization
// that is not a bearer token carries no key here, as in FromHeaders.
func Conflicting(h http.Header) (first, second string, conflict bool) {
	var key, at string
	for _, name := range CredentialHeaders {
		for _, v := range h[name] {
			if name == "authorization" {
				if len(v) <= 7 || !strings.EqualFold(v[:7], "bearer ") {
					continue
				}
				v = v[7:]
			}
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			switch {
			case key == "":
				key, at = v, name
			case v != key:
				return at, name, true
			}
		}
	}
	return "", "", false
}
