package config

// publicHosts are the API hosts of the provider types that have one for every account.
var publicHosts = map[string]string{
	"anthropic": "api.anthropic.com",
	"openai":    "api.openai.com",
	"gemini":    "generativelanguage.googleapis.com",
}

// DefaultHost is the host a provider's requests go to when its config names no
// endpoint: the public API host of its type; for Bedrock and Vertex the configured
// host, else the region's (for Bedrock, the host its SigV4 signature covers). Azure
// OpenAI has none: each resource has its own host ("" is returned).
func DefaultHost(typ, region, host string) string {
	switch typ {
	case "bedrock", "vertex":
		if host != "" {
			return host
		}
		if typ == "bedrock" {
			return "bedrock-runtime." + region + ".amazonaws.com"
		}
		return vertexHost(region)
	}
	return publicHosts[typ]
}

// DefaultHost is DefaultHost of the provider's type, region and host.
func (p *Provider) DefaultHost() string { return DefaultHost(p.Type, p.Region, p.Host) }

// vertexHost is the regional Vertex AI endpoint: the global endpoint, a multi-region's
// rep endpoint, or {region}-aiplatform.googleapis.com.
func vertexHost(region string) string {
	switch region {
	case "global":
		return "aiplatform.googleapis.com"
	case "us", "eu":
		return "aiplatform." + region + ".rep.googleapis.com"
	default:
		return region + "-aiplatform.googleapis.com"
	}
}
