package mock

import (
	"fmt"

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
