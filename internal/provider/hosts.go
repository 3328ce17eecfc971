package provider

// publicHosts are the API hosts of the provider types that have one for every account.
var publicHosts = map[string]string{
	"anthropic": "api.anthropic.com",
	"openai":    "api.openai.com",
	"gemini":    "generativelanguage.googleapis.com",
}

// DefaultHost is the host the requests of a provider go to when its config names no
// endpoint: the public API host of its type; for Bedrock and Vertex the configured
// `host`, else the region's host (the one a Bedrock request's SigV4 signature covers).
// Azure OpenAI has none: each resource has its own host. Pure: it builds nothing, so
// `tollgate check` can compare it with Envoy's clusters.
func DefaultHost(cfg Config) string {
	switch cfg.Type {
	case "bedrock":
		if cfg.Host != "" {
			return cfg.Host
		}
		return bedrockHost(cfg.Region)
	case "vertex":
		if cfg.Host != "" {
			return cfg.Host
		}
		return vertexHost(cfg.Region)
	}
	return publicHosts[cfg.Type]
}

// bedrockHost is the Bedrock runtime endpoint of a region.
func bedrockHost(region string) string { return "bedrock-runtime." + region + ".amazonaws.com" }
