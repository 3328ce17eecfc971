package e2e

import "testing"

// TestBedrockAndVertex is where the anthropic-sdk-go runs against the bedrock-tokyo and
// vertex providers belong. They are not written yet; see README.md "Not covered yet".
func TestBedrockAndVertex(t *testing.T) {
	for _, name := range []string{"bedrock invoke", "bedrock invoke-with-response-stream", "vertex rawPredict", "vertex streamRawPredict"} {
		t.Run(name, func(t *testing.T) {
			t.Skip("missing: a fake Bedrock provider (AWS event-stream replay, SigV4 verified with aws-sdk-go-v2's signer) " +
				"and a fake Vertex provider with its OAuth token server; tollgate's event-stream → SSE translation " +
				"(extproc/eventstream.go setupEventStream) was still a stub when this suite was written")
		})
	}
}
