package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Gemini's native API, as Gemini CLI calls it. Gemini CLI builds its client with the
// Google Gen AI SDK for JavaScript (google-gemini/gemini-cli
// packages/core/src/core/contentGenerator.ts: `new GoogleGenAI({apiKey, httpOptions:
// {baseUrl, headers}, apiVersion})`, the base URL from GOOGLE_GEMINI_BASE_URL and the API
// version from GOOGLE_GENAI_API_VERSION). The SDK (googleapis/js-genai) then requests
//
//	{baseUrl}/{apiVersion}/models/{model}:generateContent
//	{baseUrl}/{apiVersion}/models/{model}:streamGenerateContent?alt=sse
//	{baseUrl}/{apiVersion}/models/{model}:countTokens
//
// with apiVersion "v1beta" unless overridden (src/_api_client.ts
// GOOGLE_AI_API_DEFAULT_VERSION, constructUrl), the path templates of src/models.ts, and
// the model prefixed with "models/" and refused when it holds "..", "?" or "&"
// (src/_transformers.ts tModel). The key travels in x-goog-api-key; Google's API also
// takes it as ?key=.

// MaxGeminiModelLen bounds the model named in a Gemini path, in bytes (unescaped).
const MaxGeminiModelLen = 256

// geminiVersions are the API versions whose models/{model}:{method} paths are served.
var geminiVersions = []string{"v1beta", "v1"}

var geminiMethods = map[string]Kind{
	"generateContent":       GeminiGenerateContent,
	"streamGenerateContent": GeminiStreamGenerateContent,
	"countTokens":           GeminiCountTokens,
}

// GoogleShaped reports whether clients of the API expect Google's error shape
// ({"error":{"code","message","status"}}): Gemini's native API.
func (k Kind) GoogleShaped() bool {
	return k == GeminiGenerateContent || k == GeminiStreamGenerateContent || k == GeminiCountTokens
}

// GeminiMethod is the custom method a Gemini kind names in its path
// ("streamGenerateContent"), or "" for any other kind.
func (k Kind) GeminiMethod() string {
	switch k {
	case GeminiGenerateContent:
		return "generateContent"
	case GeminiStreamGenerateContent:
		return "streamGenerateContent"
	case GeminiCountTokens:
		return "countTokens"
	}
	return ""
}

// GeminiVersion is the API version of a Gemini path ("v1beta", "v1"), or "" when path is
// not one.
func GeminiVersion(path string) string {
	for _, v := range geminiVersions {
		if strings.HasPrefix(path, "/"+v+"/models/") {
			return v
		}
	}
	return ""
}

// classifyGemini reads /{version}/models/{model}:{method}. A path of that shape with a
// method tollgate serves is Gemini's whatever its model; a model tollgate refuses (empty,
// over-long, "..", "/" escaped or not, not printable) makes the Endpoint carry the error
// the client gets, so that it hears why in its own API's shape rather than a bare 404.
func classifyGemini(path string) (Endpoint, bool) {
	v := GeminiVersion(path)
	if v == "" {
		return Endpoint{}, false
	}
	rest := path[len("/"+v+"/models/"):]
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return Endpoint{}, false // models.get and other paths without a method: not served
	}
	k, ok := geminiMethods[rest[i+1:]]
	if !ok {
		return Endpoint{}, false
	}
	model, err := geminiModel(rest[:i])
	if err != nil {
		return Endpoint{Kind: k, Err: err}, true
	}
	return Endpoint{Kind: k, PathModel: model}, true
}

// geminiModel unescapes and checks the model segment of a Gemini path. The model goes
// through the routing rules and, as the upstream model, back into a path: nothing in it
// may change which resource that path names.
func geminiModel(raw string) (string, *Error) {
	bad := func(why string) (string, *Error) {
		return "", Errorf(http.StatusBadRequest, "the model in the request path %s", why)
	}
	switch {
	case raw == "":
		return bad("is empty")
	case len(raw) > 3*MaxGeminiModelLen: // even fully %-escaped it would be too long
		return bad("is longer than " + strconv.Itoa(MaxGeminiModelLen) + " bytes")
	case strings.Contains(raw, "/"):
		return bad("must not contain '/'")
	}
	model, err := url.PathUnescape(raw)
	switch {
	case err != nil:
		return bad("is not a validly escaped path segment")
	case model == "":
		return bad("is empty")
	case len(model) > MaxGeminiModelLen:
		return bad("is longer than " + strconv.Itoa(MaxGeminiModelLen) + " bytes")
	case strings.Contains(model, "/"):
		return bad("must not contain '/' (escaped as %2F or not)")
	case strings.Contains(model, ".."):
		return bad("must not contain '..'")
	case strings.Contains(model, ":"):
		return bad("must not contain ':'")
	}
	for i := 0; i < len(model); i++ {
		if c := model[i]; c <= ' ' || c >= 0x7f {
			return bad("must be printable ASCII without spaces")
		}
	}
	return model, nil
}

// GoogleStylePath reports whether a path tollgate does not serve looks like a Google API
// call, whose client expects Google's error shape: any /v1beta… path, or a
// /v1/models/{model}:{method} one.
func GoogleStylePath(path string) bool {
	if strings.HasPrefix(path, "/v1beta") {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/v1/models/")
	return ok && strings.Contains(rest, ":")
}
