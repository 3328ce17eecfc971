package pricing

import "strings"

// providerPrefixes are the LiteLLM key prefixes of each tollgate provider type.
var providerPrefixes = map[string]string{
	"anthropic":    "anthropic/",
	"openai":       "openai/",
	"azure_openai": "azure/",
	"gemini":       "gemini/",
	"bedrock":      "bedrock/",
	"vertex":       "vertex_ai/",
}

// providerType maps LiteLLM's litellm_provider to tollgate's provider type ("" for others).
func providerType(litellmProvider string) string {
	switch {
	case litellmProvider == "anthropic":
		return "anthropic"
	case litellmProvider == "openai":
		return "openai"
	case litellmProvider == "azure":
		return "azure_openai"
	case litellmProvider == "gemini":
		return "gemini"
	case litellmProvider == "bedrock" || litellmProvider == "bedrock_converse":
		return "bedrock"
	case strings.HasPrefix(litellmProvider, "vertex_ai"):
		return "vertex"
	}
	return ""
}

// Prefixes removed from the front of a model id when normalising, one of each list in
// this order: a path-style provider prefix, a Bedrock cross-region prefix, the Bedrock
// vendor prefix.
var (
	pathPrefixes   = []string{"vertex_ai/", "bedrock/", "azure/", "gemini/", "openai/", "anthropic/", "models/"}
	regionPrefixes = []string{"us.", "eu.", "apac.", "jp.", "au.", "global.", "us-gov."}
	vendorPrefixes = []string{"anthropic."}
)

// maxNormal is the length of the id buffer Resolve keeps on its stack; a longer id
// still normalises, with one allocation.
const maxNormal = 128

// normalize appends the normal form of name to buf (see the package doc) and returns it.
// It allocates nothing when buf has room.
func normalize(buf []byte, name string) []byte {
	s := stripAny(name, pathPrefixes)
	s = stripAny(s, regionPrefixes)
	s = stripAny(s, vendorPrefixes)
	var date string
	if at := strings.IndexByte(s, '@'); at >= 0 {
		if d := s[at+1:]; isDigits(d) && len(d) == 8 {
			date = d
		}
		s = s[:at]
	}
	s = stripVersion(s)
	buf = append(buf, s...)
	if date != "" {
		buf = append(buf, '-')
		buf = append(buf, date...)
	}
	return buf
}

// stripAny removes the first of prefixes that name starts with.
func stripAny(name string, prefixes []string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return name[len(p):]
		}
	}
	return name
}

// stripVersion removes a Bedrock version suffix: "-v1:0", "-v2:0", "-v1".
func stripVersion(s string) string {
	i := strings.LastIndex(s, "-v")
	if i < 0 {
		return s
	}
	v := s[i+2:]
	major, minor, hasMinor := strings.Cut(v, ":")
	if !isDigits(major) || (hasMinor && !isDigits(minor)) {
		return s
	}
	return s[:i]
}

// stripDate removes a trailing date: "-20250929" or "-2025-04-14".
func stripDate(b []byte) []byte {
	n := len(b)
	if n > 9 && b[n-9] == '-' && isDigits(b[n-8:]) {
		return b[:n-9]
	}
	if n > 11 && b[n-11] == '-' && b[n-6] == '-' && b[n-3] == '-' &&
		isDigits(b[n-10:n-6]) && isDigits(b[n-5:n-3]) && isDigits(b[n-2:]) {
		return b[:n-11]
	}
	return b
}

func isDigits[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
