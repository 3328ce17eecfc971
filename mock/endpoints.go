package mock

import (
	"fmt"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
)

// endpoint is one POST API the generated mock (Handler) answers.
type endpoint struct {
	path string
	kind api.Kind
	// prompt are the request fields whose raw JSON counts as input in ExpectedUsage.
	// Fields a gateway rewrites (model, stream, stream_options, anthropic_version) are
	// left out, so the count is the same before and after the request went through
	// tollgate.
	prompt []string
	serve  func(*Handler, *writer, *request)
}

// endpoints are the generated mock's POST APIs by path, and promptFields their prompt
// fields by API name. Each API's file registers its own endpoints in an init function:
// adding an API to `tollgate mock` is adding a file.
var (
	endpoints    = map[string]endpoint{}
	promptFields = map[string][]string{}
)

// register adds e; a path registered twice is a programming error.
func register(e endpoint) {
	if _, dup := endpoints[e.path]; dup {
		panic(fmt.Sprintf("mock: endpoint %s registered twice", e.path))
	}
	endpoints[e.path] = e
	promptFields[e.kind.String()] = e.prompt
}

// modelEndpoints are the generated APIs whose path carries the model, by the custom
// method that ends the path: Gemini's /{v1beta|v1}/models/{model}:{method}, and Vertex
// AI's /{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}.
var modelEndpoints = map[string]endpoint{}

// registerModelMethod adds e for paths ending in models/{model}:{method}.
func registerModelMethod(method string, e endpoint) {
	if _, dup := modelEndpoints[method]; dup {
		panic(fmt.Sprintf("mock: model method %s registered twice", method))
	}
	modelEndpoints[method] = e
	promptFields[e.kind.String()] = e.prompt
}

// modelEndpoint matches an (unescaped) path whose last segment is {model}:{method}.
func modelEndpoint(path string) (e endpoint, model string, ok bool) {
	i := strings.LastIndex(path, "/models/")
	if i < 0 {
		return endpoint{}, "", false
	}
	switch prefix := path[:i]; {
	case prefix == "/v1beta", prefix == "/v1":
	case (strings.HasPrefix(prefix, "/v1/projects/") || strings.HasPrefix(prefix, "/v1beta1/projects/")) &&
		strings.HasSuffix(prefix, "/publishers/google"):
	default:
		return endpoint{}, "", false
	}
	model, method, found := strings.Cut(path[i+len("/models/"):], ":")
	if e, ok = modelEndpoints[method]; !found || !ok || model == "" || strings.Contains(model, "/") {
		return endpoint{}, "", false
	}
	return e, model, true
}
