package extproc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestUnroutedRequests: a request for a model no rule matches is a 404 naming the model,
// counted in tollgate_unrouted_requests_total under its own name when the price table
// knows it and under "other" when it does not; the requests counter keeps an empty
// model label, and the log line names the model either way.
func TestUnroutedRequests(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	for _, tc := range []struct {
		model, path, label string
	}{
		{"o3", "/v1/chat/completions", "o3"},                // priced, but no rule routes it
		{"o3-2025-04-16", "/v1/responses", "o3-2025-04-16"}, // any client API
		{"llama-3-invented", "/v1/messages", "other"},       // not a model the table knows
		{"o3-2099-01-01", "/v1/chat/completions", "other"},  // an invented variant of a known one
	} {
		t.Run(tc.model, func(t *testing.T) {
			ex := f.open(t)
			ex.send(requestHeaders(false, ":method", "POST", ":path", tc.path,
				"content-type", "application/json", "x-api-key", aliceKey))
			ir := immediateOf(t, ex.send(requestBody([]byte(`{"model":"`+tc.model+`","max_tokens":1}`))))
			ex.close()
			if ir.Status.Code != 404 || !strings.Contains(string(ir.Body), tc.model) {
				t.Errorf("status %d body %s, want a 404 naming %s", ir.Status.Code, ir.Body, tc.model)
			}
		})
	}
	for label, want := range map[string]float64{"o3": 1, "o3-2025-04-16": 1, "other": 2} {
		if got := testutil.ToFloat64(f.metrics.UnroutedRequests.WithLabelValues(label)); got != want {
			t.Errorf("tollgate_unrouted_requests_total{model=%q} = %v, want %v", label, got, want)
		}
	}
	if got := testutil.ToFloat64(f.metrics.Requests.WithLabelValues("platform", "", "", "404")); got != 4 {
		t.Errorf("tollgate_requests_total{model=\"\",code=\"404\"} = %v, want 4", got)
	}
	logged := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var rec struct {
			Msg    string `json:"msg"`
			Model  string `json:"model"`
			Status int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "request" && rec.Status == 404 {
			logged[rec.Model] = true
		}
	}
	for _, m := range []string{"o3", "o3-2025-04-16", "llama-3-invented", "o3-2099-01-01"} {
		if !logged[m] {
			t.Errorf("no request log line names model %q; logged %v", m, logged)
		}
	}
}

// TestRoutedRequestIsNotUnrouted: a routed model, and a request refused before its model
// is read, leave the unrouted counter alone.
func TestRoutedRequestIsNotUnrouted(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	ex := f.open(t)
	ex.send(requestHeaders(false, ":method", "POST", ":path", "/v1/messages",
		"content-type", "application/json", "x-api-key", aliceKey))
	ex.send(requestBody([]byte(`{"max_tokens":1}`))) // 400: no model
	ex.close()
	if n := testutil.CollectAndCount(f.metrics.UnroutedRequests); n != 0 {
		t.Errorf("%d unrouted series after a request without a model", n)
	}
}
