package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"time"

	"github.com/tollgate/tollgate/internal/routing"
)

// ProviderTypes are the accepted provider `type` values.
var ProviderTypes = []string{"anthropic", "openai", "azure_openai", "gemini", "bedrock", "vertex"}

// requiredFields names the fields each provider type must set.
var requiredFields = map[string][]string{
	"anthropic":    {"api_key"},
	"openai":       {"api_key"},
	"azure_openai": {"api_key", "api_version"},
	"gemini":       {"api_key"},
	"bedrock":      {"region"},
	"vertex":       {"project", "region"},
}

func (p *Provider) field(name string) string {
	switch name {
	case "api_key":
		return p.APIKey
	case "api_version":
		return p.APIVersion
	case "region":
		return p.Region
	case "project":
		return p.Project
	}
	return ""
}

// validate returns every problem of a defaulted file. unset names the fields whose
// ${VAR} was missing (already reported); their values are not checked again.
func (f *File) validate(unset map[string]bool) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	for _, a := range []struct{ key, addr string }{{"listen", f.Listen}, {"admin", f.Admin}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			add("%s: bad address %q (want host:port or :port)", a.key, a.addr)
		}
	}

	if len(f.Providers) == 0 {
		add("providers: at least one provider is required")
	}
	providers := map[string]bool{}
	for i, p := range f.Providers {
		at := fmt.Sprintf("providers[%d]", i)
		switch {
		case p.Name == "":
			add("%s: name is required", at)
		case providers[p.Name]:
			add("%s: duplicate provider name %q", at, p.Name)
		}
		providers[p.Name] = true
		req, ok := requiredFields[p.Type]
		if !ok {
			add("%s (%s): unknown type %q (want one of %v)", at, p.Name, p.Type, ProviderTypes)
			continue
		}
		for _, field := range req {
			if p.field(field) == "" {
				add("%s (%s): %s is required for type %s", at, p.Name, field, p.Type)
			}
		}
		if p.Endpoint != "" && !unset[at+".endpoint"] {
			if err := checkEndpoint(p.Endpoint); err != nil {
				add("%s (%s): endpoint: %v", at, p.Name, err)
			}
		}
		for _, msg := range p.AnthropicBetas.problems(p.Type) {
			add("%s (%s): anthropic_betas: %s", at, p.Name, msg)
		}
	}

	if len(f.Models) == 0 {
		add("models: at least one model rule is required")
	}
	for i, m := range f.Models {
		at := fmt.Sprintf("models[%d]", i)
		if err := routing.Check(m.Match); err != nil {
			add("%s: match: %v", at, err)
		}
		if !providers[m.Provider] {
			add("%s (%s): unknown provider %q", at, m.Match, m.Provider)
		}
	}

	names, hashes := map[string]bool{}, map[string]bool{}
	for i, k := range f.Keys {
		at := fmt.Sprintf("keys[%d]", i)
		switch {
		case k.Name == "":
			add("%s: name is required", at)
		case names[k.Name]:
			add("%s: duplicate key name %q", at, k.Name)
		}
		names[k.Name] = true
		if b, err := hex.DecodeString(k.KeySHA256); unset[at+".key_sha256"] {
			// an unset variable, reported already
		} else if err != nil || len(b) != 32 {
			add("%s (%s): key_sha256 must be 64 hex digits (the SHA-256 of the key)", at, k.Name)
		} else if hashes[string(b)] {
			add("%s (%s): duplicate key_sha256", at, k.Name)
		} else {
			hashes[string(b)] = true
		}
	}

	for _, d := range []struct{ key, val string }{
		{"pricing.refresh", f.Pricing.Refresh},
		{"pricing.timeout", f.Pricing.Timeout},
		{"limits.credential_timeout", f.Limits.CredentialTimeout},
		{"limits.stream_idle_timeout", f.Limits.StreamIdleTimeout},
		{"server.shutdown_grace", f.Server.ShutdownGrace},
	} {
		if v, err := time.ParseDuration(d.val); err != nil || v <= 0 {
			add("%s: bad duration %q", d.key, d.val)
		}
	}
	if v, err := time.ParseDuration(f.Server.DrainDelay); err != nil || v < 0 {
		add("server.drain_delay: bad duration %q", f.Server.DrainDelay)
	}
	for _, l := range []struct {
		key string
		val int64
	}{
		{"limits.max_request_body", f.Limits.MaxRequestBody},
		{"limits.max_event_size", f.Limits.MaxEventSize},
		{"limits.max_decompressed", f.Limits.MaxDecompressed},
		{"limits.max_inflight_body_bytes", f.Limits.MaxInflightBodyBytes},
	} {
		if l.val < 0 {
			add("%s: must be positive", l.key)
		}
	}
	if n := f.Limits.MaxInflightBodyBytes; n > 0 && n < f.Limits.MaxRequestBody {
		add("limits.max_inflight_body_bytes: %d is less than limits.max_request_body (%d): the largest request could never be admitted", n, f.Limits.MaxRequestBody)
	}
	switch f.Server.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("server.log_level: %q is not one of debug, info, warn, error", f.Server.LogLevel)
	}
	if t := f.Server.TLS; t != nil && (t.CertFile == "") != (t.KeyFile == "") {
		add("server.tls: cert_file and key_file go together")
	} else if t != nil && t.CertFile == "" && t.ClientCA != "" {
		add("server.tls: client_ca needs cert_file and key_file")
	}
	return out
}

// Duration parses a validated duration field.
func Duration(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}
