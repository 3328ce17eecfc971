// Package devstack runs a whole tollgate gateway on one machine, for `tollgate dev`: the
// gateway (package gateway) on loopback ports, the built-in mock provider (package mock)
// for every provider that envoy.yaml routes to the docker-compose `mock` service, and in
// front of both either a real Envoy or, with Options.Embedded, the project's Envoy
// stand-in (internal/envoysim).
//
//	tollgate dev                      the quickstart (deploy/tollgate.yaml), real Envoy
//	tollgate dev -embedded            the same without Envoy: for trying things out
//	tollgate dev -config my.yaml      your providers; Envoy's routes from envoy/envoy.yaml
//
// Envoy gets envoy/envoy.yaml (or Options.EnvoyConfig) adapted to local addresses (adapt.go):
// the listener on Options.Listen, the admin interface on 127.0.0.1, the tollgate cluster on
// the gateway's loopback gRPC port, the mock clusters on the mock's port, and only the
// routes and clusters of the config's providers. The Envoy binary is $ENVOY_BIN, else
// `envoy` on PATH, else the version docker-compose.yaml pins (EnvoyVersion), downloaded once
// into the user's cache with func-e (github.com/tetratelabs/func-e/api), which also runs
// it (envoy.go).
//
// Run prints where everything listens, the key and a curl to try, and stops everything
// when its context ends: Envoy first, then the gateway (open streams may finish), then the
// mock.
package devstack
