package extproc

import (
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// setupEventStream prepares metering (and, for Anthropic-API clients, translation to
// SSE) of an AWS event-stream response.
func (st *stream) setupEventStream(reply *extprocv3.HeadersResponse) bool {
	_ = reply
	return false
}
