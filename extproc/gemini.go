package extproc

import (
	"net/http"

	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/llm/api"
)

// queryKey takes the key a Gemini-native client sent as ?key= (Google's APIs accept it
// there as well as in x-goog-api-key) as the client's key when no credential header
// carries one: it is authenticated like a header key. A header key and a different
// ?key= is a 401 rather than a guess at which one is meant. The providers rebuild the
// upstream path without the parameter (provider.geminiQuery), so it is never forwarded;
// Envoy's access log omits the query.
func (st *stream) queryKey(query string) *api.Error {
	if !st.kind.GoogleShaped() {
		return nil
	}
	qk := api.QueryKey(query)
	if qk == "" {
		return nil
	}
	switch hk := keys.FromHeaders(st.hdr.all); {
	case hk == "":
		st.hdr.all["x-goog-api-key"] = []string{qk}
	case hk != qk:
		return &api.Error{Status: http.StatusUnauthorized,
			Message: "the request carries two different API keys (a header and ?key=); send one"}
	}
	return nil
}
