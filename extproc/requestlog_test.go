package extproc_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate/tollgate/extproc"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/pricing"
)

// TestRequestLogMilliseconds: the request log line gives the duration and the time to
// first token in milliseconds, as numbers named duration_ms and ttft_ms (like Envoy's
// access log), not in nanoseconds.
func TestRequestLogMilliseconds(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Unix(1_700_000_000, 0).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(reg)
	srv := extproc.New(loadRuntime(t, "testdata/core.yaml"), extproc.Options{Metrics: m, Logger: log, Now: now,
		Prices: pricing.NewStore(table)})
	f := serveServer(t, srv, reg, m, logs)

	_, sse := fixtureNamed(t, "anthropic_stream")
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","max_tokens":64,"stream":true,"messages":[]}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	clock.Add(int64(250 * time.Millisecond))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
	ex.send(responseBody(sse, false))
	clock.Add(int64(1000*time.Millisecond + 500*time.Microsecond))
	ex.send(responseBody(nil, true))
	ex.close()

	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no request line:\n%s", logs)
	}
	if line["duration_ms"] != 1250.5 || line["ttft_ms"] != 250.0 {
		t.Errorf("duration_ms %v ttft_ms %v, want 1250.5 and 250", line["duration_ms"], line["ttft_ms"])
	}
	for _, k := range []string{"duration", "ttft"} {
		if v, ok := line[k]; ok {
			t.Errorf("%s = %v: durations are in milliseconds, as %s_ms", k, v, k)
		}
	}
}
