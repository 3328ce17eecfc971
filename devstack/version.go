package devstack

// EnvoyVersion is the Envoy release that tollgate dev downloads when none is installed:
// the one docker-compose.yaml pins (envoyproxy/envoy:v1.36.2), which envoy/envoy.yaml is
// written for. TestEnvoyVersionIsComposes keeps the two equal.
const EnvoyVersion = "1.36.2"
