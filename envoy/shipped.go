package envoy

import (
	"bytes"
	_ "embed"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
)

// shipped is envoy.yaml, embedded so that a built binary (the load tool, a local
// gateway) plays Envoy with the configuration docker-compose runs.
//
//go:embed envoy.yaml
var shipped []byte

// ShippedYAML returns a copy of envoy.yaml as shipped.
func ShippedYAML() []byte { return bytes.Clone(shipped) }

// Shipped returns envoy.yaml as shipped, decoded, resolved and validated as
// LoadBootstrap does.
func Shipped() (*bootstrapv3.Bootstrap, error) { return ParseBootstrap(shipped) }
