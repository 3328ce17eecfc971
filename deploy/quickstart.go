// Package deploy embeds the quickstart's tollgate config, deploy/tollgate.yaml, so that
// `tollgate dev` runs the same gateway as `docker compose up` from a built binary, with
// no checkout at hand. The files of this folder are described in its README.
package deploy

import (
	"bytes"
	_ "embed"
)

//go:embed tollgate.yaml
var quickstart []byte

// QuickstartConfig returns a copy of tollgate.yaml, the config docker-compose runs:
// providers mock-anthropic and mock-openai, and the demo key DemoKey.
func QuickstartConfig() []byte { return bytes.Clone(quickstart) }

// DemoKey is the client key of the quickstart config's key "demo" (team demo): its
// key_sha256 is the SHA-256 of this string.
const DemoKey = "tollgate-demo-key"
