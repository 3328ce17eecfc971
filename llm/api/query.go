package api

import (
	"net/url"
	"strings"
)

// credentialParams are the query parameters that carry an API key in some client or
// provider API (Gemini's ?key=, and the spellings other gateways accept). A client's
// key there must never travel on to a provider.
var credentialParams = []string{"key", "api_key", "api-key"}

// StripCredentialParams returns path with every credential query parameter removed
// (and the rest of the query kept byte for byte, in order), and whether it removed any.
// Names are compared case-insensitively, after unescaping.
func StripCredentialParams(path string) (string, bool) {
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path, false
	}
	kept := make([]string, 0, 4)
	removed := false
	for part := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isCredentialParam(name) {
			removed = true
			continue
		}
		kept = append(kept, part)
	}
	if !removed {
		return path, false
	}
	if len(kept) == 0 {
		return p, true
	}
	return p + "?" + strings.Join(kept, "&"), true
}

func isCredentialParam(name string) bool {
	for _, c := range credentialParams {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}
