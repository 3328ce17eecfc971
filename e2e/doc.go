// Package e2e holds tollgate's end-to-end tests: the official Anthropic and OpenAI Go
// SDKs talk to the Envoy stand-in of internal/envoysim (configured from
// envoy/envoy.yaml), which speaks ext_proc to a real tollgate gateway and forwards to the
// fake providers of mock. See README.md.
package e2e
