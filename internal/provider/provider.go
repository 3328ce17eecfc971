// Package provider holds what differs between provider types, on both sides of a
// request: Prepare turns a client's request into the one the provider expects (the
// path, the body edits and the credentials), and PlanResponse decides what happens to
// the provider's response (pass it, meter it, translate it, reshape an error; see
// response.go). One file per provider type, each registered by its config `type` name;
// a client/provider pair that needs translation adds a file with its Translator.
package provider

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/tollgate/tollgate/llm/api"
)

// Request is one client request as a provider sees it. Body is the client's body as
// received; the provider returns the body to send in Mutation.Body. Not safe for
// concurrent use.
type Request struct {
	API    api.Kind
	Method string
	// Path is the client's :path without the query string; Query is what followed `?`.
	Path  string
	Query string
	// Headers are the client's request headers, lower-case names, credentials already
	// removed. Multi-valued headers keep every value in order.
	Headers       http.Header
	Body          []byte
	ClientModel   string
	UpstreamModel string
	Stream        bool
}

// Header returns the first value of a lower-case header name.
func (r *Request) Header(name string) string {
	if v := r.Headers[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Mutation is what a provider changes about a request. Empty fields leave things as
// they are; Body nil keeps the client's body.
type Mutation struct {
	Path       string
	Body       []byte
	SetHeaders []HeaderValue
	// RemoveHeaders are removed before SetHeaders are applied.
	RemoveHeaders []string
}

// HeaderValue is one header to set (replacing any existing value).
type HeaderValue struct{ Key, Value string }

// Set adds a header to set.
func (m *Mutation) Set(key, value string) {
	m.SetHeaders = append(m.SetHeaders, HeaderValue{Key: key, Value: value})
}

// Provider prepares requests for one configured provider.
type Provider interface {
	// Name is the configured provider name, the value of x-tollgate-provider.
	Name() string
	// Type is the config `type`.
	Type() string
	// GenAIName is the OpenTelemetry GenAI gen_ai.provider.name of the provider type
	// (for example "aws.bedrock").
	GenAIName() string
	// Prepare computes the mutation that turns r into this provider's request. It may
	// block on a credential source only until ctx is done. An error should be an
	// *api.Error (for example 503 when credentials are unavailable).
	Prepare(ctx context.Context, r *Request) (Mutation, error)
	// PlanResponse decides, from the response's status and headers, what happens to
	// the body of the response to one of this provider's requests. Providers that
	// speak their clients' APIs return DefaultPlan (embed defaultResponses).
	PlanResponse(r Response) ResponsePlan
}

// Config is the declared configuration of one provider, as the config package decodes it.
// It stays comparable: a reload reuses a provider, and its credential cache, when its
// Config is unchanged (internal/assembly).
type Config struct {
	Name       string
	Type       string
	APIKey     string
	APIVersion string
	Region     string
	Project    string
	// Host overrides the provider's default upstream host (used for signing where the
	// signature covers the host, e.g. a VPC endpoint for Bedrock).
	Host string
	// BetasAllow and BetasDrop are the config's anthropic_betas lists, comma-separated so
	// that Config stays comparable (bedrock and vertex only; see betas.go).
	BetasAllow, BetasDrop string
}

// Deps are the process-wide services a provider may use.
type Deps struct {
	Logger *slog.Logger
	// Now is the clock (signing time); nil means time.Now.
	Now func() time.Time
	// CredentialTimeout bounds how long Prepare waits for a credential source.
	CredentialTimeout time.Duration
	// OnCredentialError is called when a credential source fails (for a metric).
	OnCredentialError func(provider string)
	// OnBetaDropped is called for each anthropic-beta flag a provider drops (for a
	// metric); beta is a flag the beta data names, or "other".
	OnBetaDropped func(provider, beta string)
}

// Factory builds a Provider from its config. It runs once at config load, never per request.
type Factory func(cfg Config, deps Deps) (Provider, error)

var factories = map[string]Factory{}

// Register makes a provider type available by its config name. Called from init.
func Register(typ string, f Factory) {
	if _, dup := factories[typ]; dup {
		panic("provider: type registered twice: " + typ)
	}
	factories[typ] = f
}

// Types lists the registered provider types, sorted.
func Types() []string {
	out := make([]string, 0, len(factories))
	for t := range factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Known reports whether typ is a registered provider type.
func Known(typ string) bool { _, ok := factories[typ]; return ok }

// New builds the provider for cfg.
func New(cfg Config, deps Deps) (Provider, error) {
	f, ok := factories[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("provider %q: unknown type %q", cfg.Name, cfg.Type)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.CredentialTimeout == 0 {
		deps.CredentialTimeout = 5 * time.Second
	}
	if deps.OnCredentialError == nil {
		deps.OnCredentialError = func(string) {}
	}
	if deps.OnBetaDropped == nil {
		deps.OnBetaDropped = func(string, string) {}
	}
	return f(cfg, deps)
}
