package api

import "strings"

// Other reports whether k is an endpoint tollgate does not know (ClassifyOther): it
// is routed by its body's model like a known one, forwarded by the provider types that
// can forward any path, and metered from whatever usage shape its response carries.
func (k Kind) Other() bool {
	return k == AnthropicOther || k == OpenAIResponsesOther || k == OpenAIOther
}

// ClassifyOther names the endpoint of a POST to a path Classify does not know: any path
// under /v1/ (new sub-paths such as /v1/responses/compact or /v1/messages/<new>) is an
// Other endpoint, shaped by the API its path looks like, so that errors and metering
// follow the client's API: /v1/messages* (and the legacy /v1/complete) are Anthropic's,
// /v1/responses* the Responses API's, everything else OpenAI's. The cloud-native
// /v1/projects/ tree is not a client API path and stays unknown, and so does a Google
// method call that Classify does not serve (/v1/models/{model}:{method}, GoogleStylePath):
// its client expects Google's error shape, not an OpenAI one. ok is false for paths
// outside /v1/, and for paths a hop could read differently (plainPath).
func ClassifyOther(path string) (Endpoint, bool) {
	if !strings.HasPrefix(path, "/v1/") || len(path) == len("/v1/") || strings.HasPrefix(path, "/v1/projects/") ||
		!plainPath(path) || GoogleStylePath(path) {
		return Endpoint{}, false
	}
	switch {
	case hasPathPrefix(path, "/v1/messages"), hasPathPrefix(path, "/v1/complete"):
		return Endpoint{Kind: AnthropicOther}, true
	case hasPathPrefix(path, "/v1/responses"):
		return Endpoint{Kind: OpenAIResponsesOther}, true
	default:
		return Endpoint{Kind: OpenAIOther}, true
	}
}

// hasPathPrefix reports whether path is prefix or a path below it ("/v1/messages" and
// "/v1/messages/x", not "/v1/messagesx").
func hasPathPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// plainPath reports whether path has no dot segments, empty segments, escapes or
// backslashes: a path forwarded as the client sent it must mean the same to every
// hop, so anything a hop could normalise differently is not forwarded.
func plainPath(path string) bool {
	return !strings.Contains(path, "/.") && !strings.Contains(path, "//") &&
		!strings.ContainsAny(path, "%\\")
}
