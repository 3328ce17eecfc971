package provider

import (
	_ "embed"
	"net/http"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// betasYAML is the platforms' beta data: which anthropic-beta flags each accepts, and the
// body fields that belong to each flag (betas.yaml explains every entry).
//
//go:embed betas.yaml
var betasYAML []byte

type betaData struct {
	Fields    map[string][]string `yaml:"fields"`
	Known     []string            `yaml:"known"`
	Platforms map[string]struct {
		Allow  []string          `yaml:"allow"`
		Rename map[string]string `yaml:"rename"`
	} `yaml:"platforms"`
}

// betaDefaults is betas.yaml, decoded once; the file is part of the binary, so an error
// in it is a build error that TestBetaData catches.
var betaDefaults = mustParseBetas(betasYAML)

func mustParseBetas(data []byte) *betaData {
	var d betaData
	if err := yaml.UnmarshalWithOptions(data, &d, yaml.DisallowUnknownField()); err != nil {
		panic("provider: betas.yaml: " + err.Error())
	}
	return &d
}

// betaPolicy is what one bedrock or vertex provider forwards of a request's anthropic-beta
// flags: its platform's allowlist with the provider's config applied. Built once per
// provider, read by every request (never written after).
type betaPolicy struct {
	provider string
	allow    map[string]bool
	rename   map[string]string
	onDrop   func(provider, beta string)
}

// newBetaPolicy is platform's default adjusted by the provider's anthropic_betas:
// allowed adds to the default list, dropped removes from it.
func newBetaPolicy(platform string, cfg Config, deps Deps) *betaPolicy {
	def := betaDefaults.Platforms[platform]
	p := &betaPolicy{provider: cfg.Name, allow: map[string]bool{}, rename: def.Rename, onDrop: deps.OnBetaDropped}
	for _, b := range def.Allow {
		p.allow[b] = true
	}
	for _, b := range splitBetas(cfg.BetasAllow) {
		p.allow[b] = true
	}
	for _, b := range splitBetas(cfg.BetasDrop) {
		delete(p.allow, b)
	}
	return p
}

// splitBetas splits a comma-separated list of flags (Config keeps lists as strings so it
// stays comparable).
func splitBetas(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// anthropicBetas collects the anthropic-beta flags of a request: the header may repeat
// and each value may hold several comma-separated flags. Duplicates are dropped, order
// kept.
func anthropicBetas(h http.Header) []string {
	var out []string
	for _, v := range h["anthropic-beta"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// filter returns the flags the platform accepts (renamed to the platform's name where it
// has its own) and whether any flag was dropped or renamed; each dropped flag is counted.
// The request's body fields that belong to dropped flags are returned by strip.
func (p *betaPolicy) filter(flags []string) (kept, dropped []string, changed bool) {
	for _, f := range flags {
		name := f
		if !p.allow[name] {
			if to, ok := p.rename[name]; ok && p.allow[to] {
				name, changed = to, true
			}
		}
		switch {
		case !p.allow[name]:
			dropped, changed = append(dropped, f), true
			p.onDrop(p.provider, betaLabel(f))
		case slices.Contains(kept, name):
			changed = true // a renamed flag the client also sent under its platform name
		default:
			kept = append(kept, name)
		}
	}
	return kept, dropped, changed
}

// strip removes from body the fields of the dropped flags that no kept flag claims,
// in place with sjson (every other byte is kept); a parent object left empty goes too.
func (p *betaPolicy) strip(body []byte, kept, dropped []string) ([]byte, error) {
	claimed := map[string]bool{}
	for _, k := range kept {
		for _, f := range betaDefaults.Fields[k] {
			claimed[f] = true
		}
	}
	for _, d := range dropped {
		for _, f := range betaDefaults.Fields[d] {
			if claimed[f] || !gjson.GetBytes(body, f).Exists() {
				continue
			}
			var err error
			if body, err = sjson.DeleteBytes(body, f); err != nil {
				return nil, api.Errorf(http.StatusBadRequest, "cannot remove %s of dropped beta %s: %v", f, d, err)
			}
			if i := strings.LastIndexByte(f, '.'); i > 0 {
				if parent := gjson.GetBytes(body, f[:i]); parent.IsObject() && len(parent.Map()) == 0 {
					body, _ = sjson.DeleteBytes(body, f[:i])
				}
			}
		}
	}
	return body, nil
}

// betaLabel bounds the metric label: a flag the data names, or "other".
func betaLabel(flag string) string {
	if knownBetas[flag] {
		return flag
	}
	return "other"
}

// knownBetas are the flags betas.yaml names anywhere.
var knownBetas = func() map[string]bool {
	m := map[string]bool{}
	for _, b := range betaDefaults.Known {
		m[b] = true
	}
	for b := range betaDefaults.Fields {
		m[b] = true
	}
	for _, pl := range betaDefaults.Platforms {
		for _, b := range pl.Allow {
			m[b] = true
		}
		for from, to := range pl.Rename {
			m[from], m[to] = true, true
		}
	}
	return m
}()

// KnownBetas lists the flags the beta data names (the values of the beta label besides
// "other"), sorted.
func KnownBetas() []string {
	out := make([]string, 0, len(knownBetas))
	for b := range knownBetas {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}
