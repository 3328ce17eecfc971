package mock

import "testing"

// TestEveryEndpointHasAWireCase: an API registered without a case in wireCases would
// escape TestWireUsageMatchesExtractor, which proves tollgate meters what the mock
// reports. (count_tokens, never streamed and never metered, is tested apart.)
func TestEveryEndpointHasAWireCase(t *testing.T) {
	covered := map[string]bool{"/v1/messages/count_tokens": true}
	for _, wc := range wireCases() {
		covered[wc.path] = true
		if e, ok := endpoints[wc.path]; !ok || e.kind != wc.kind {
			t.Errorf("wire case %s: registered %+v", wc.path, e)
		}
	}
	for path, e := range endpoints {
		if !covered[path] {
			t.Errorf("endpoint %s (%s) has no wire case", path, e.kind)
		}
		if len(promptFields[e.kind.String()]) == 0 {
			t.Errorf("endpoint %s has no prompt fields", path)
		}
	}
}
