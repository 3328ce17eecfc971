package config

import "fmt"

// betaPlatforms are the provider types whose anthropic-beta flags tollgate filters:
// Anthropic's own API receives every flag untouched.
var betaPlatforms = map[string]bool{"bedrock": true, "vertex": true}

// maxBetaLen bounds a beta name (Anthropic's are like "context-management-2025-06-27").
const maxBetaLen = 100

// problems lists what is wrong with a provider's anthropic_betas (nil b: nothing).
func (b *AnthropicBetas) problems(typ string) []string {
	if b == nil {
		return nil
	}
	if !betaPlatforms[typ] {
		return []string{fmt.Sprintf("only bedrock and vertex providers filter beta flags; type %s forwards them all", typ)}
	}
	var out []string
	seen := map[string]string{}
	for _, l := range []struct {
		key   string
		names []string
	}{{"allow", b.Allow}, {"drop", b.Drop}} {
		for i, name := range l.names {
			if msg := betaNameProblem(name); msg != "" {
				out = append(out, fmt.Sprintf("%s[%d]: %s", l.key, i, msg))
				continue
			}
			switch prev, dup := seen[name]; {
			case dup && prev == l.key:
				out = append(out, fmt.Sprintf("%s[%d]: %q is listed twice", l.key, i, name))
			case dup:
				out = append(out, fmt.Sprintf("%s[%d]: %q is in both allow and drop", l.key, i, name))
			}
			seen[name] = l.key
		}
	}
	return out
}

// betaNameProblem checks one flag: lower-case letters, digits, '-', '_' and '.', as
// Anthropic names them, so a name can never smuggle a comma-separated list or a header
// break into the header or body it is written to.
func betaNameProblem(name string) string {
	if name == "" {
		return "empty beta name"
	}
	if len(name) > maxBetaLen {
		return fmt.Sprintf("beta name longer than %d characters", maxBetaLen)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Sprintf("%q: a beta name has only lower-case letters, digits, '-', '_' and '.'", name)
		}
	}
	return ""
}
