package budget

import (
	"encoding/json"
	"fmt"
)

// RatelimitConfig returns the envoyproxy/ratelimit config file for domain (the file
// `tollgate ratelimit-config` prints, to go in the service's runtime directory).
//
// It declares the domain and nothing else. Every descriptor tollgate sends carries its
// budget's limit as a `limit` override, which the service applies before looking at
// its config (src/config/config_impl.go, GetLimit), so budgets live only in
// tollgate.yaml and change on reload without touching the service. The domain must
// still be declared: for a domain it does not know, the service answers OK with no
// limit, which tollgate reports as bad_response.
func RatelimitConfig(domain string) []byte {
	if domain == "" {
		domain = DefaultDomain
	}
	q, _ := json.Marshal(domain) // a JSON string is a YAML double-quoted scalar
	return fmt.Appendf(nil, `# envoyproxy/ratelimit config for tollgate's budgets.
# tollgate sends each budget's limit with every descriptor (a limit override), so this
# file declares only the domain: budgets are configured in tollgate.yaml.
domain: %s
`, q)
}
