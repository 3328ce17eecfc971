// Package config loads tollgate.yaml: strict YAML decoding (an unknown key is an error
// naming it and its line), ${ENV} expansion in every string value, defaults, and a
// validation that reports every problem at once. It is the schema and nothing more: pure,
// no I/O beyond reading the file. Routes and keys compile from it here (routes.go);
// providers and their credential sources are assembled by internal/assembly, once per
// load, never per request, and only by the process that serves.
package config

// File is the declared configuration, exactly as written in tollgate.yaml.
type File struct {
	// Listen is the ext_proc gRPC address.
	Listen string `yaml:"listen"`
	// Admin serves /metrics, /healthz, /readyz and POST /-/reload.
	Admin     string      `yaml:"admin"`
	Providers []Provider  `yaml:"providers"`
	Models    []ModelRule `yaml:"models"`
	// Keys are the client keys; absent means no client auth (local use only).
	Keys    []Key   `yaml:"keys"`
	Pricing Pricing `yaml:"pricing"`
	Limits  Limits  `yaml:"limits"`
	Server  Server  `yaml:"server"`
	// Ratelimit and Budgets: spend and token caps shared by every replica (budgets.go).
	Ratelimit *Ratelimit `yaml:"ratelimit"`
	Budgets   []Budget   `yaml:"budgets"`
}

// Provider is one upstream account.
type Provider struct {
	Name       string `yaml:"name"`
	Type       string `yaml:"type"`
	APIKey     string `yaml:"api_key"`
	APIVersion string `yaml:"api_version"`
	Region     string `yaml:"region"`
	Project    string `yaml:"project"`
	// Host overrides the provider's default host where tollgate needs to know it
	// (SigV4 signs the host).
	Host string `yaml:"host"`
	// Endpoint is the provider's API base URL (default: the public API of its type):
	// `tollgate models` lists the provider's catalog there, and `check -envoy` warns
	// when the provider's Envoy cluster points at another host.
	Endpoint string `yaml:"endpoint"`
	// AnthropicBetas changes which anthropic-beta flags a bedrock or vertex provider
	// forwards, on top of its platform's default (internal/provider/betas.yaml).
	AnthropicBetas *AnthropicBetas `yaml:"anthropic_betas"`
}

// AnthropicBetas adjusts a platform's default beta allowlist: Allow adds flags the
// platform accepts (a new beta, before tollgate's data knows it), Drop removes flags it
// must not receive. A flag in neither keeps the default.
type AnthropicBetas struct {
	Allow []string `yaml:"allow"`
	Drop  []string `yaml:"drop"`
}

// ModelRule routes models matching Match (exact, or a `*` glob) to Provider.
type ModelRule struct {
	Match         string `yaml:"match"`
	Provider      string `yaml:"provider"`
	UpstreamModel string `yaml:"upstream_model"`
	PricingModel  string `yaml:"pricing_model"`
}

// Key is one client key, stored only as the hex SHA-256 of the key.
type Key struct {
	Name      string `yaml:"name"`
	Team      string `yaml:"team"`
	KeySHA256 string `yaml:"key_sha256"`
}

// Pricing configures run-time prices.
type Pricing struct {
	// URL is a LiteLLM-format price file: a path or an http(s) URL.
	URL       string                   `yaml:"url"`
	Refresh   string                   `yaml:"refresh"`
	Timeout   string                   `yaml:"timeout"`
	Overrides map[string]PriceOverride `yaml:"overrides"`
}

// PriceOverride is a negotiated price in USD per million tokens; unset fields keep the
// price from the tables below it (built-in, then pricing.url).
type PriceOverride struct {
	Input        *float64 `yaml:"input"`
	Output       *float64 `yaml:"output"`
	CacheRead    *float64 `yaml:"cache_read"`
	CacheWrite   *float64 `yaml:"cache_write"`
	CacheWrite1h *float64 `yaml:"cache_write_1h"`
}

// Limits bound what one request may cost tollgate.
type Limits struct {
	// MaxRequestBody is the largest request body in bytes (larger → 413).
	MaxRequestBody int64 `yaml:"max_request_body"`
	// MaxEventSize is the largest SSE event metered; a larger one ends metering for
	// that stream (never the client's stream).
	MaxEventSize int64 `yaml:"max_event_size"`
	// MaxDecompressed caps how many decompressed bytes of a compressed response are metered.
	MaxDecompressed int64 `yaml:"max_decompressed"`
	// CredentialTimeout bounds the wait for a cloud credential source.
	CredentialTimeout string `yaml:"credential_timeout"`
	// MaxInflightBodyBytes bounds the request-body bytes all requests in flight may hold
	// at once; past it a request gets a fast 503. 0: an eighth of the process's memory
	// limit (GOMEMLIMIT, or the container's), 1 GiB without one.
	MaxInflightBodyBytes int64 `yaml:"max_inflight_body_bytes"`
	// StreamIdleTimeout ends an ext_proc stream that sends nothing for this long (a peer
	// that sent headers and went quiet holds no memory forever).
	StreamIdleTimeout string `yaml:"stream_idle_timeout"`
	// MaxConcurrentStreams bounds the ext_proc streams on one gRPC connection (each is
	// one HTTP request through Envoy). Read at start only.
	MaxConcurrentStreams uint32 `yaml:"max_concurrent_streams"`
}

// Server holds process settings.
type Server struct {
	// ShutdownGrace is how long open streams may run once tollgate stops accepting new
	// ones (after DrainDelay).
	ShutdownGrace string `yaml:"shutdown_grace"`
	// DrainDelay is how long tollgate keeps accepting new streams after SIGTERM, with
	// /readyz and the gRPC health service already failing, so that Envoy and Kubernetes
	// stop sending it new requests before it stops taking them ("0s": none).
	DrainDelay string `yaml:"drain_delay"`
	// Reload enables POST /-/reload on the admin listener (default true).
	ReloadEndpoint *bool `yaml:"reload_endpoint"`
	// WatchConfig reloads when the config file changes (default true).
	WatchConfig *bool `yaml:"watch_config"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// TLS secures the ext_proc listener.
	TLS *TLS `yaml:"tls"`
}

// TLS configures the gRPC listener's certificate and, with ClientCA, mTLS.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	ClientCA string `yaml:"client_ca"`
}

// Defaults.
const (
	// DefaultListen and DefaultAdmin bind the loopback interface only: the gRPC port hands
	// provider credentials to whoever reaches it, and the admin port serves per-team usage
	// and POST /-/reload without authentication (SECURITY.md). Exposing either is a decision
	// the config states (the compose file and the Helm chart set ":50051" and ":9464",
	// behind their network boundaries).
	DefaultListen          = "127.0.0.1:50051"
	DefaultAdmin           = "127.0.0.1:9464"
	DefaultMaxRequestBody  = 32 << 20
	DefaultMaxEventSize    = 16 << 20
	DefaultMaxDecompressed = 64 << 20
	DefaultRefresh         = "6h"
	DefaultPriceTimeout    = "30s"
	DefaultCredTimeout     = "5s"
	DefaultShutdownGrace   = "30s"
	DefaultDrainDelay      = "5s"
	DefaultStreamIdle      = "5m"
	// DefaultMaxConcurrentStreams per connection: Envoy multiplexes many requests over a
	// few connections to each tollgate pod.
	DefaultMaxConcurrentStreams = 4096
)

func (f *File) applyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&f.Listen, DefaultListen)
	def(&f.Admin, DefaultAdmin)
	def(&f.Pricing.Refresh, DefaultRefresh)
	def(&f.Pricing.Timeout, DefaultPriceTimeout)
	def(&f.Limits.CredentialTimeout, DefaultCredTimeout)
	def(&f.Server.ShutdownGrace, DefaultShutdownGrace)
	def(&f.Server.DrainDelay, DefaultDrainDelay)
	def(&f.Limits.StreamIdleTimeout, DefaultStreamIdle)
	if f.Limits.MaxConcurrentStreams == 0 {
		f.Limits.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	def(&f.Server.LogLevel, "info")
	if f.Limits.MaxRequestBody == 0 {
		f.Limits.MaxRequestBody = DefaultMaxRequestBody
	}
	if f.Limits.MaxEventSize == 0 {
		f.Limits.MaxEventSize = DefaultMaxEventSize
	}
	if f.Limits.MaxDecompressed == 0 {
		f.Limits.MaxDecompressed = DefaultMaxDecompressed
	}
	yes := true
	if f.Server.ReloadEndpoint == nil {
		f.Server.ReloadEndpoint = &yes
	}
	if f.Server.WatchConfig == nil {
		f.Server.WatchConfig = &yes
	}
	f.Ratelimit.applyDefaults()
}
