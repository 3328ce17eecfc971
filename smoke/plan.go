package smoke

import (
	"fmt"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
)

// typeAPIs are the client APIs the clients of each provider type use through the
// gateway: the primary one (a streamed completion) first, then the others — the
// Responses API for OpenAI and Azure (Codex's path), count_tokens for the Anthropic
// family (Claude Code counts before it sends), and for Gemini models Gemini's native
// API (Gemini CLI's: streamGenerateContent, and countTokens for count_tokens).
var typeAPIs = map[string][]api.Kind{
	"anthropic":    {api.AnthropicMessages, api.AnthropicCountTokens},
	"bedrock":      {api.AnthropicMessages, api.AnthropicCountTokens},
	"vertex":       {api.AnthropicMessages, api.AnthropicCountTokens},
	"openai":       {api.OpenAIChat, api.OpenAIResponses},
	"azure_openai": {api.OpenAIChat, api.OpenAIResponses},
	"gemini":       {api.OpenAIChat, api.GeminiStreamGenerateContent, api.GeminiCountTokens},
}

// Selection says which of a model's APIs to try: its primary one, and which others.
// The zero Selection is the primary API alone.
type Selection struct {
	skipPrimary bool
	extra       map[api.Kind]bool
}

// selectionNames are the values of -apis besides "primary" and "all", each with the
// APIs it selects (a model is tried in those its provider type serves).
var selectionNames = map[string][]api.Kind{
	"responses":    {api.OpenAIResponses},
	"count_tokens": {api.AnthropicCountTokens, api.GeminiCountTokens},
	"gemini":       {api.GeminiStreamGenerateContent},
}

// ParseSelection reads -apis: a comma-separated list of "primary" (each model's
// streamed completion in its main API), "responses", "count_tokens", "gemini" (Gemini's
// native streamGenerateContent), or "all" for every one. An API is tried only for the
// models whose provider type serves it.
func ParseSelection(s string) (Selection, error) {
	sel := Selection{skipPrimary: true, extra: map[api.Kind]bool{}}
	for name := range strings.SplitSeq(s, ",") {
		switch name = strings.TrimSpace(name); name {
		case "primary":
			sel.skipPrimary = false
		case "all":
			sel.skipPrimary = false
			for _, kinds := range selectionNames {
				for _, k := range kinds {
					sel.extra[k] = true
				}
			}
		default:
			kinds, ok := selectionNames[name]
			if !ok {
				return Selection{}, fmt.Errorf("-apis: unknown API %q (want primary, responses, count_tokens, gemini or all)", name)
			}
			for _, k := range kinds {
				sel.extra[k] = true
			}
		}
	}
	return sel, nil
}

// Extra reports whether the selection tries more than each model's primary API (the
// report then names each row's API).
func (s Selection) Extra() bool { return s.skipPrimary || len(s.extra) > 0 }

// Targets are the requests to try for model, served by a provider of type typ (""
// when no config says: the type is guessed from the name), in the order of typeAPIs.
func (s Selection) Targets(model, provider, typ string) []Target {
	if typ == "" {
		typ = guessType(model)
	}
	if typ == "vertex" && strings.HasPrefix(model, "gemini") {
		typ = "gemini" // Vertex serves Gemini models in Chat and in Gemini's native API
	}
	apis := typeAPIs[typ]
	if len(apis) == 0 {
		apis = typeAPIs["openai"][:1]
	}
	var out []Target
	for i, k := range apis {
		if (i == 0 && !s.skipPrimary) || (i > 0 && s.extra[k]) {
			out = append(out, Target{Model: model, Provider: provider, API: k})
		}
	}
	return out
}

// guessType names a provider type from a model name, for a run without a config.
func guessType(model string) string {
	switch {
	case strings.HasPrefix(model, "claude") || strings.Contains(model, "anthropic.claude"):
		return "anthropic"
	case strings.HasPrefix(model, "gemini"):
		return "gemini"
	}
	return "openai"
}
