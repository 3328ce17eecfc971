package cli

import "github.com/tollgate/tollgate/internal/provider"

// providerDepsForCheck are the provider dependencies for commands that compile a config
// without serving it: nothing is logged, and credentials are only fetched on requests.
func providerDepsForCheck() provider.Deps { return provider.Deps{} }
