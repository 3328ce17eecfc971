package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/tollgate/tollgate/pricing"
)

// keep lists, per tollgate provider type, the LiteLLM keys of the built-in table:
// Claude Opus/Sonnet/Haiku on Anthropic, on Bedrock (base ids and every cross-region
// prefix) and on Vertex; OpenAI GPT-5.x, GPT-4.1, GPT-4o and o-series, the same on Azure
// OpenAI (with its data-zone keys); Gemini 2.5 and 3.x on Gemini and Vertex.
var keep = map[string]*regexp.Regexp{
	"anthropic":    regexp.MustCompile(`^claude-.*(opus|sonnet|haiku)`),
	"bedrock":      regexp.MustCompile(`^((us|eu|apac|jp|au|global|us-gov)\.)?anthropic\.claude-.*(opus|sonnet|haiku)`),
	"vertex":       regexp.MustCompile(`^(vertex_ai/claude-.*(opus|sonnet|haiku)|(vertex_ai/)?gemini-(2\.5|3))`),
	"openai":       regexp.MustCompile(`^(gpt-5|gpt-4\.1|gpt-4o|o[1-9])`),
	"azure_openai": regexp.MustCompile(`^azure/((eu|us|global|global-standard)/)?(gpt-5|gpt-4\.1|gpt-4o|o[1-9])`),
	"gemini":       regexp.MustCompile(`^gemini/gemini-(2\.5|3)`),
}

// audio marks speech models, whose audio tokens tollgate does not meter.
var audio = regexp.MustCompile(`(audio|realtime|tts|live)`)

// meta is what the generator reads besides prices.
type meta struct {
	LastUpdated string
	deprecated  map[string]string
}

func readMeta(data []byte) (meta, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return meta{}, err
	}
	m := meta{deprecated: map[string]string{}}
	if lu, ok := raw["last_updated"]; ok {
		if err := json.Unmarshal(lu, &m.LastUpdated); err != nil {
			return meta{}, fmt.Errorf("last_updated: %w", err)
		}
	}
	for k, v := range raw {
		var e struct {
			Deprecation string `json:"deprecation_date"`
		}
		if json.Unmarshal(v, &e) == nil && e.Deprecation != "" {
			m.deprecated[k] = e.Deprecation
		}
	}
	return m, nil
}

// selectEntries keeps the built-in models; a model whose deprecation date is before the
// file's last_updated is no longer sold and left out.
func selectEntries(all map[string]pricing.Entry, m meta) map[string]pricing.Entry {
	asOf := time.Now().UTC()
	if t, err := time.Parse(time.RFC3339, m.LastUpdated); err == nil {
		asOf = t
	}
	out := map[string]pricing.Entry{}
	for k, e := range all {
		re := keep[e.Provider]
		if re == nil || !re.MatchString(k) || audio.MatchString(k) {
			continue
		}
		if d, err := time.Parse(time.DateOnly, m.deprecated[k]); err == nil && d.Before(asOf) {
			continue
		}
		out[k] = e
	}
	return out
}
