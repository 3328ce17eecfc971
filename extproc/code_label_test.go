package extproc_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCodeLabelOnlyFromValidStatuses: a response status that is not a valid HTTP status
// (an upstream or a peer can send anything in :status) never becomes a `code` label value;
// it is recorded as "0", like a stream that ended before its response.
func TestCodeLabelOnlyFromValidStatuses(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	for _, status := range []string{"1000", "99", "abc", "-200", "2000000000000"} {
		body := []byte(`{"model":"claude-opus-4-7"}`)
		ex := f.open(t)
		ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
		ex.send(requestBody(body))
		ex.send(responseHeaders(true, ":status", status, "content-type", "application/json"))
		ex.close()
	}
	if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "claude-opus-4-7", "anthropic", "0")); got != 5 {
		t.Errorf("requests{code=0} = %v, want 5", got)
	}
	if n := testutil.CollectAndCount(f.metrics.Requests); n != 1 {
		t.Errorf("%d request series, want 1 (code 0 only)", n)
	}
}
