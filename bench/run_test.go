package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// runOne runs one scenario against srv (and the floor, unless noFloor) and fails the test
// if Run itself fails.
func runOne(t *testing.T, scenario string, c, n int, srv *fakeServer, noFloor bool) (Report, string) {
	t.Helper()
	var out bytes.Buffer
	// Chunks back to back, also for the paced scenario: TestPacing tests pacing.
	rep, err := Run(context.Background(), Options{Scenarios: []string{scenario}, Concurrency: c, Requests: n,
		Duration: 5 * time.Minute, NoFloor: noFloor, PacingSet: true}, srv.Register, &out)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep, out.String()
}

func TestRunEveryScenarioAgainstFloor(t *testing.T) {
	const c, n = 4, 20
	for _, name := range DefaultScenarios {
		t.Run(name, func(t *testing.T) {
			sc, err := NewScenario(name)
			if err != nil {
				t.Fatal(err)
			}
			fake := &fakeServer{} // answers as the floor does, and counts
			rep, table := runOne(t, name, c, n, fake, false)

			// What the server saw: n streams of exactly Envoy's messages.
			chunks := int64(len(sc.Chunks) + 1) // + the empty end_of_stream chunk
			for _, g := range []struct {
				what      string
				got, want int64
			}{
				{"streams", fake.streams.Load(), n},
				{"request_headers", fake.reqHeaders.Load(), n},
				{"request_body", fake.reqBody.Load(), n},
				{"request body bytes", fake.reqBodyBytes.Load(), n * int64(len(sc.Body))},
				{"response_headers", fake.respHeaders.Load(), n},
				{"response_body", fake.respBody.Load(), n * chunks},
				{"response body bytes", fake.respBodyBytes.Load(), n * int64(len(joined(sc.Chunks)))},
				{"end_of_stream chunks", fake.endOfStreams.Load(), n},
				{"distinct x-request-id", int64(fake.distinctIDs()), n},
			} {
				if g.got != g.want {
					t.Errorf("%s: got %d, want %d", g.what, g.got, g.want)
				}
			}

			if len(rep.Results) != 2 || rep.Results[0].Server != "floor" || rep.Results[1].Server != "tollgate" {
				t.Fatalf("results: %+v", rep.Results)
			}
			wantPhase := map[string]uint64{"request_headers": n, "request_body": n, "response_headers": n,
				"response_chunk": uint64(n * chunks), "whole_request": n}
			for _, r := range rep.Results {
				if r.Scenario != name || !r.InProcess || r.Errors != 0 || r.Full != n || r.Immediate != 0 || r.Completed != n {
					t.Errorf("%s: %+v (errors: %v)", r.Server, r, r.ErrorSamples)
				}
				if len(r.Phases) != len(wantPhase) {
					t.Fatalf("%s: phases %+v", r.Server, r.Phases)
				}
				for _, p := range r.Phases {
					if p.Count != wantPhase[p.Name] {
						t.Errorf("%s: phase %s count %d, want %d", r.Server, p.Name, p.Count, wantPhase[p.Name])
					}
					if p.P50 <= 0 || p.P50 > p.P99 || p.P99 > p.Max {
						t.Errorf("%s: phase %s quantiles p50=%s p99=%s max=%s", r.Server, p.Name, p.P50, p.P99, p.Max)
					}
				}
				if r.RPS <= 0 || r.AllocsPerRequest <= 0 || r.BytesPerRequest <= 0 || r.PeakRSS <= 0 {
					t.Errorf("%s: rps=%v allocs=%v bytes=%v rss=%v", r.Server, r.RPS, r.AllocsPerRequest, r.BytesPerRequest, r.PeakRSS)
				}
				if got := r.Usage.Status(); got != "none" {
					t.Errorf("%s: usage %s, want none (%+v)", r.Server, got, r.Usage)
				}
			}
			if floor, tg := rep.Results[0], rep.Results[1]; (floor.CPUPerRequest > 0) != (tg.CPURatio > 0) || floor.CPURatio != 0 {
				t.Errorf("cpu ratio: floor %s ratio %v, tollgate ratio %v", floor.CPUPerRequest, floor.CPURatio, tg.CPURatio)
			}
			if floor, tg := rep.Results[0], rep.Results[1]; tg.AllocsOverFloor != tg.AllocsPerRequest-floor.AllocsPerRequest ||
				tg.CPUOverFloor != tg.CPUPerRequest-floor.CPUPerRequest || floor.AllocsOverFloor != 0 || floor.CPUOverFloor != 0 {
				t.Errorf("over floor: floor %+v, tollgate %+v", floor, tg)
			}
			for _, server := range []string{"floor", "tollgate"} {
				if countRows(table, name, server) != 2 { // throughput table and latency table
					t.Errorf("table has no two rows for %s/%s:\n%s", name, server, table)
				}
			}
		})
	}
}

// countRows counts the table lines whose first two columns are scenario and server.
func countRows(table, scenario, server string) int {
	n := 0
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == scenario && f[1] == server {
			n++
		}
	}
	return n
}

func TestRunWarmupIsNotMeasured(t *testing.T) {
	const c, n, warm = 3, 9, 2
	fake := &fakeServer{}
	var out bytes.Buffer
	rep, err := Run(context.Background(), Options{Scenarios: []string{"chat-2k"}, Concurrency: c, Requests: n,
		Duration: time.Minute, Warmup: warm, NoFloor: true}, fake.Register, &out)
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.streams.Load(); got != n+c*warm {
		t.Errorf("streams: got %d, want %d", got, n+c*warm)
	}
	if r := rep.Results[0]; r.Full != n || r.Phases[0].Count != n {
		t.Errorf("measured %d requests (%d request_headers), want %d", r.Full, r.Phases[0].Count, n)
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	// A server that never answers: the run must end at its time limit plus the timeout,
	// with the requests in flight counted as errors and nothing else started.
	block := make(chan struct{})
	defer close(block)
	fake := &fakeServer{}
	fake.reply = func(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
		<-block
		return nil, nil
	}
	rep, err := Run(context.Background(), Options{Scenarios: []string{"chat-2k"}, Concurrency: 2, Requests: 1000,
		Duration: 200 * time.Millisecond, Timeout: 50 * time.Millisecond, NoFloor: true}, fake.Register, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Each worker started one request (at most) and never another.
	r, streams := rep.Results[0], fake.streams.Load()
	if r.Errors != streams || r.Completed != 0 || streams < 1 || streams > 2 {
		t.Errorf("errors %d completed %d streams %d, want one error per stream, none completed, 1 or 2 streams", r.Errors, r.Completed, streams)
	}
}
