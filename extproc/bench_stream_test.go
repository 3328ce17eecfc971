package extproc

import (
	"io"
	"log/slog"
	"strconv"
	"syscall"
	"testing"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate/tollgate/bench"
	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
	"github.com/tollgate/tollgate/internal/metrics"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/pricing"
)

// BenchmarkStream runs whole requests of the load tool's scenarios (bench/) through the
// per-request state machine, as `tollgate bench` sends them but without gRPC: what
// tollgate itself does per request above the ext_proc protocol — every phase, metering,
// pricing, metrics and the request log line (JSON, to io.Discard). It reports the
// process's CPU time per request next to wall time (cpu-ns/op): on a shared machine the
// CPU time is the steadier figure. The messages are built once, as gRPC would hand them
// over (a fresh body per request is not modelled: the body is read only).
func BenchmarkStream(b *testing.B) {
	l, err := config.LoadFile("../bench/testdata/tollgate-bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	rt, err := assembly.NewAssembler(provider.Deps{}).Assemble(l, nil)
	if err != nil {
		b.Fatal(err)
	}
	table, err := pricing.NewTable(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := New(rt, Options{Metrics: metrics.New(prometheus.NewRegistry()), Logger: log,
		Prices: pricing.NewStore(table), Unpriced: pricing.NewWarnOnce(log)})
	for _, name := range []string{"chat-2k", "claude-200k", "body-5m"} {
		sc, err := bench.NewScenario(name)
		if err != nil {
			b.Fatal(err)
		}
		msgs := scenarioMessages(sc)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				st := newStream(srv, srv.runtime.Load())
				for _, m := range msgs {
					if _, err := st.handleSafely(m); err != nil {
						b.Fatal(err)
					}
				}
				if !st.done {
					b.Fatal("the request was not recorded")
				}
				st.close()
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// scenarioMessages are Envoy's messages for one request of sc (bench/messages.go):
// response chunks STREAMED, each its own message, then an empty end of stream.
func scenarioMessages(sc *bench.Scenario) []*extprocv3.ProcessingRequest {
	key := bench.DefaultKey
	if sc.KeyHeader == "authorization" {
		key = "Bearer " + key
	}
	out := []*extprocv3.ProcessingRequest{
		filter.RequestHeaders(filter.Of(":authority", "llm-gateway.internal", ":path", sc.Path, ":method", "POST",
			":scheme", "http", "content-type", "application/json", "content-length", strconv.Itoa(len(sc.Body)),
			"user-agent", "tollgate-bench/1", sc.KeyHeader, key, "x-forwarded-proto", "https",
			"x-request-id", "bench-0001-000000001").Proto(), false),
		filter.RequestBody(sc.Body, true),
		filter.ResponseHeaders(filter.Of(":status", "200", "content-type", sc.ContentType,
			"date", "Thu, 01 Jan 2026 00:00:00 GMT", "x-envoy-upstream-service-time", "180").Proto(), false),
	}
	for _, c := range sc.Chunks {
		out = append(out, filter.ResponseBody(c, false))
	}
	return append(out, filter.ResponseBody(nil, true))
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
