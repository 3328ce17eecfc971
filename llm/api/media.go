package api

import "strings"

// MediaType is the lower-cased media type of a Content-Type value, without parameters
// ("Application/JSON; charset=utf-8" → "application/json").
func MediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
