package provider

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tollgate/tollgate/llm/api"
)

// OtherForwarder is implemented by the provider types that can forward an endpoint
// tollgate does not know (api.Kind.Other: a POST under /v1/ whose body names a model)
// with their credentials and the model rewritten, the path as the client sent it (or
// mapped the provider's way). Every other type answers such a request with a 404.
type OtherForwarder interface {
	ForwardsOther() bool
}

// Prepare is p.Prepare, after checking that p forwards r's endpoint when tollgate does
// not know it: a provider that cannot answers 404, naming the path and its type, in the
// client's shape.
func Prepare(ctx context.Context, p Provider, r *Request) (Mutation, error) {
	if r.API.Other() {
		if f, ok := p.(OtherForwarder); !ok || !f.ForwardsOther() {
			return Mutation{}, &api.Error{Status: http.StatusNotFound, Message: fmt.Sprintf(
				"tollgate does not know the endpoint %s; it forwards endpoints it does not know only to "+
					"providers of type anthropic, openai and azure_openai (api_version v1), and model %q "+
					"is routed to provider %q of type %s", r.Path, r.ClientModel, p.Name(), p.Type())}
		}
	}
	return p.Prepare(ctx, r)
}
