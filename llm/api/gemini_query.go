package api

import (
	"net/url"
	"strings"
)

// Google's APIs take the API key as the query parameter `key` as well as in the
// x-goog-api-key header. tollgate reads it as the client's key on Gemini paths and never
// forwards it: the upstream path is rebuilt without it.

// QueryKey returns the value of the first `key` parameter of a raw query string
// (unescaped), or "" when there is none or it does not unescape.
func QueryKey(query string) string {
	for query != "" {
		var p string
		p, query, _ = strings.Cut(query, "&")
		name, value, _ := strings.Cut(p, "=")
		if queryName(name) != "key" {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return ""
		}
		return v
	}
	return ""
}

// StripQueryKey returns query without any `key` parameter (however its name is
// escaped); every other parameter is kept byte for byte, in order.
func StripQueryKey(query string) string {
	if !strings.Contains(query, "key") && !strings.Contains(query, "%") {
		return query // no parameter can be named key
	}
	var b strings.Builder
	first := true
	for rest, more := query, true; more; {
		var p string
		p, rest, more = strings.Cut(rest, "&")
		name, _, _ := strings.Cut(p, "=")
		if queryName(name) == "key" {
			continue
		}
		if !first {
			b.WriteByte('&')
		}
		first = false
		b.WriteString(p)
	}
	return b.String()
}

// queryName unescapes a parameter name as Go's and Google's query parsers do; a name
// that does not unescape is returned as written.
func queryName(name string) string {
	if !strings.ContainsAny(name, "%+") {
		return name
	}
	if n, err := url.QueryUnescape(name); err == nil {
		return n
	}
	return name
}
