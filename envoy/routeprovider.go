package envoy

import routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

// RouteProvider returns the provider a route serves: the value its ProviderHeader
// matcher must equal. ok is false for a route that does not match on the header (such
// as the catch-all); a matcher on the header other than a plain exact one is an error,
// as in ProviderRoutes.
func RouteProvider(r *routev3.Route) (provider string, ok bool, err error) {
	return providerMatch(r.GetMatch())
}
