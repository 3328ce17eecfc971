package e2e

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate/tollgate/llm/usage"
)

// tokens reads tollgate_tokens_total for one team/model/provider, by token_type.
func tokens(t *testing.T, reg prometheus.Gatherer, team, model, provider string) map[string]float64 {
	t.Helper()
	return counters(t, reg, "tollgate_tokens_total", map[string]string{"team": team, "model": model, "provider": provider}, "token_type")
}

// costUSD reads tollgate_cost_usd_total for one team/model/provider.
func costUSD(t *testing.T, reg prometheus.Gatherer, team, model, provider string) float64 {
	t.Helper()
	return counters(t, reg, "tollgate_cost_usd_total", map[string]string{"team": team, "model": model, "provider": provider}, "provider")[provider]
}

// counters reads the counter family name: the series whose labels include match, summed
// by the value of the label by.
func counters(t *testing.T, reg prometheus.Gatherer, name string, match map[string]string, by string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			for k, v := range match {
				if l[k] != v {
					continue series
				}
			}
			out[l[by]] += m.GetCounter().GetValue()
		}
	}
	return out
}

// wantTokens is the fixture usage as tollgate_tokens_total series (zero types absent).
func wantTokens(u usage.Usage) map[string]float64 {
	out := map[string]float64{}
	for typ, n := range map[string]int64{"input": u.Input, "output": u.Output, "cache_read": u.CacheRead, "cache_write": u.CacheWrite} {
		if n > 0 {
			out[typ] = float64(n)
		}
	}
	return out
}
