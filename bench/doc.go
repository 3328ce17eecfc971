// Package bench is a load tool that plays Envoy toward an ext_proc server over gRPC
// (envoy.service.ext_proc.v3.ExternalProcessor/Process) and a no-op floor server run
// through the same scenarios, so that a server's cost can be read against the cost of
// the protocol itself.
//
// Each request is one ext_proc stream in the order Envoy's filter uses with tollgate's
// envoy.yaml: request_headers, request_body (BUFFERED, whole body), response_headers,
// then the response body in the mode the server chose in its response_headers reply
// (mode_override): each chunk for STREAMED, the whole body for BUFFERED, nothing for
// NONE. Every message waits for its one reply of the matching type. The Envoy side of the
// stream is internal/envoysim/filter, the layer the Envoy stand-in of the end-to-end tests
// is built on, configured from envoy.yaml's ext_proc filter (envoy.Shipped).
//
// Scenarios (scenario.go) are generated in code, deterministically, and turned into
// ProcessingRequest messages once per run; the load loop only sends and receives.
// See README.md for how to run it and what each reported number means.
package bench
