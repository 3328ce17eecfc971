package metering

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// TestFixturesAsOtherEndpoint: every recorded response of the Anthropic, Chat and
// Responses APIs, metered as the answer of an endpoint tollgate does not know (whose
// extractor reads any known usage shape), gives the usage its own API's extractor gives.
func TestFixturesAsOtherEndpoint(t *testing.T) {
	n := 0
	for _, f := range loadFixtures(t) {
		switch f.Kind {
		case api.AnthropicMessages, api.OpenAIChat, api.OpenAIResponses:
		default:
			continue // Bedrock event streams never answer an Other endpoint
		}
		b := body(t, f)
		for _, k := range []api.Kind{api.AnthropicOther, api.OpenAIResponsesOther, api.OpenAIOther} {
			checkResult(t, f, k.String()+"/whole", meter(New(k, f.ContentType, "", Limits{}), [][]byte{b}))
			checkResult(t, f, k.String()+"/bytewise", meter(New(k, f.ContentType, "", Limits{}), chunks(b, 7)))
			n++
		}
	}
	if n < 6*3 {
		t.Fatalf("only %d fixture runs", n)
	}
}
