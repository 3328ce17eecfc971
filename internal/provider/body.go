package provider

import (
	"net/http"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/tollgate/tollgate/llm/api"
)

// SetModel returns body with its top-level "model" set to model. sjson splices the new
// value into a copy of the body (one allocation of the body's size), so every other byte
// is kept as the client sent it and nothing is re-serialised. When the model is already
// right, the body is returned as is, without a copy.
func SetModel(body []byte, model string) ([]byte, error) {
	if gjson.GetBytes(body, "model").Str == model {
		return body, nil
	}
	out, err := sjson.SetBytes(body, "model", model)
	if err != nil {
		return nil, api.Errorf(http.StatusBadRequest, "cannot set model: %v", err)
	}
	return out, nil
}

// unsupported is the error for a client API a provider type cannot serve.
func unsupported(p Provider, k api.Kind) error {
	return api.Errorf(http.StatusBadRequest,
		"provider %q (type %s) does not serve the %s API; route this model to another provider",
		p.Name(), p.Type(), k)
}
