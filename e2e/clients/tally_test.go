package clients

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/usage"
	"github.com/tollgate/tollgate/mock"
)

// tally is what tollgate counted for some requests: tokens by type and cost.
type tally struct {
	Requests                             int
	Input, Output, CacheRead, CacheWrite int64
	CostUSD                              float64
	// Unpriced counts entries that had tokens but no cost.
	Unpriced int
}

func (a tally) String() string {
	return fmt.Sprintf("%d requests: input %d, output %d, cache_read %d, cache_write %d, cost $%.9g (unpriced entries: %d)",
		a.Requests, a.Input, a.Output, a.CacheRead, a.CacheWrite, a.CostUSD, a.Unpriced)
}

func (a *tally) add(b tally) {
	a.Requests += b.Requests
	a.Input += b.Input
	a.Output += b.Output
	a.CacheRead += b.CacheRead
	a.CacheWrite += b.CacheWrite
	a.CostUSD += b.CostUSD
	a.Unpriced += b.Unpriced
}

// accessLogTally sums the access log's tollgate metadata (envoy.yaml's json_format) by the
// model the client asked for; lines without a model (not routed) are left out.
func accessLogTally(s *stack) map[string]tally {
	out := map[string]tally{}
	for _, e := range s.envoy.AccessLog() {
		model, _ := e["model"].(string)
		if model == "" {
			continue
		}
		a := out[model]
		a.Requests++
		a.Input += int64(num(e["input_tokens"]))
		a.Output += int64(num(e["output_tokens"]))
		a.CacheRead += int64(num(e["cache_read_tokens"]))
		a.CacheWrite += int64(num(e["cache_write_tokens"]))
		cost, priced := e["cost_usd"], false
		switch c := cost.(type) {
		case float64:
			a.CostUSD += c
			priced = true
		case string:
			if f, err := strconv.ParseFloat(c, 64); err == nil {
				a.CostUSD += f
				priced = true
			}
		}
		if !priced && num(e["input_tokens"])+num(e["output_tokens"]) > 0 {
			a.Unpriced++
		}
		out[model] = a
	}
	return out
}

// num reads an access log number (a JSON number, or a string holding one).
func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

// total sums a per-model tally.
func total(m map[string]tally) tally {
	var a tally
	for _, v := range m {
		a.add(v)
	}
	return a
}

// models lists a per-model tally's keys, sorted.
func models(m map[string]tally) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// metricsTally sums tollgate_tokens_total and tollgate_cost_usd_total of team for each
// model, from the gateway's registry.
func metricsTally(t *testing.T, s *stack) map[string]tally {
	t.Helper()
	mfs, err := s.gw.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tally{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["team"] != team {
				continue
			}
			a := out[labels["model"]]
			v := m.GetCounter().GetValue()
			switch mf.GetName() {
			case "tollgate_tokens_total":
				switch labels["token_type"] {
				case "input":
					a.Input += int64(v)
				case "output":
					a.Output += int64(v)
				case "cache_read":
					a.CacheRead += int64(v)
				case "cache_write":
					a.CacheWrite += int64(v)
				}
			case "tollgate_cost_usd_total":
				a.CostUSD += v
			case "tollgate_requests_total":
				a.Requests += int(v)
			default:
				continue
			}
			out[labels["model"]] = a
		}
	}
	return out
}

// sameCost compares two dollar amounts computed from the same prices in different
// orders: equal to 1e-9 relative (or 1e-12 absolute).
func sameCost(a, b float64) bool {
	return math.Abs(a-b) <= math.Max(1e-12, 1e-9*math.Max(math.Abs(a), math.Abs(b)))
}

// checkTollgate asserts what tollgate itself recorded for a client run: the access log's
// tokens and cost equal the metrics', the tokens equal the usage the fake providers
// answered with, and no provider check failed (credentials, a client key that reached a
// provider). It returns the access log's per-model tally.
func checkTollgate(t *testing.T, s *stack) map[string]tally {
	t.Helper()
	logged, metered := accessLogTally(s), metricsTally(t, s)
	for _, model := range models(logged) {
		l, m := logged[model], metered[model]
		if l.Input != m.Input || l.Output != m.Output || l.CacheRead != m.CacheRead || l.CacheWrite != m.CacheWrite || !sameCost(l.CostUSD, m.CostUSD) {
			t.Errorf("%s: the access log says %v, the metrics %v", model, l, m)
		}
		t.Logf("tollgate %s: %v", model, l)
	}
	want, n := providerUsage(s)
	if got := total(logged); got.Input != want.Input || got.Output != want.Output || got.CacheRead != want.CacheRead || got.CacheWrite != want.CacheWrite {
		t.Errorf("tollgate counted %v; the fake providers answered %d requests with input %d, output %d, cache_read %d, cache_write %d",
			got, n, want.Input, want.Output, want.CacheRead, want.CacheWrite)
	}
	for _, f := range s.providerFailures() {
		t.Errorf("provider check failed: %s", f)
	}
	return logged
}

// providerUsage is the usage the fake providers reported in their successful answers:
// mock.ExpectedUsage of the body each generated provider got, cloudUsage for each fake
// cloud invocation.
func providerUsage(s *stack) (usage.Usage, int) {
	var u usage.Usage
	n := 0
	for name, p := range s.providers {
		for _, e := range p.Exchanges() {
			if e.Status != http.StatusOK {
				continue
			}
			var x usage.Usage
			switch {
			case strings.Contains(e.Path, "count-tokens") || strings.HasSuffix(e.Path, "/count_tokens"):
				continue
			case name == "bedrock-tokyo" || name == "vertex":
				x = cloudUsage()
			case e.Path == "/v1/messages":
				x = mock.ExpectedUsage("anthropic_messages", e.Body, mockOpts)
			case e.Path == "/v1/responses":
				x = mock.ExpectedUsage("openai_responses", e.Body, mockOpts)
			case e.Path == "/v1/chat/completions":
				x = mock.ExpectedUsage("openai_chat", e.Body, mockOpts)
			default:
				continue
			}
			n++
			u.Input += x.Input
			u.Output += x.Output
			u.CacheRead += x.CacheRead
			u.CacheWrite += x.CacheWrite
		}
	}
	return u, n
}

// unpricedModels are the models of a tally that had tokens tollgate could not price.
func unpricedModels(m map[string]tally) []string {
	var out []string
	for _, model := range models(m) {
		if m[model].Unpriced > 0 {
			out = append(out, model)
		}
	}
	return out
}
