package metrics

import (
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/tollgate/tollgate/deploy/deploytest"
)

// TestExportedMetricsAreKnown: every metric this package registers is in the list the
// dashboard and the README are checked against, with the same labels, and lints clean.
func TestExportedMetricsAreKnown(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	// Touch every vector so it is gathered.
	m.Tokens.WithLabelValues("t", "m", "p", "input").Inc()
	m.ReasoningTokens.WithLabelValues("t", "m", "p").Inc()
	m.CostUSD.WithLabelValues("t", "m", "p").Inc()
	m.Requests.WithLabelValues("t", "m", "p", "200").Inc()
	m.UnpricedTokens.WithLabelValues("m", "p").Inc()
	m.StreamsInterrupted.WithLabelValues("m", "p").Inc()
	m.CredentialErrors.WithLabelValues("p").Inc()
	m.MeteringErrors.WithLabelValues("p", "malformed").Inc()
	m.UsageMismatch.WithLabelValues("p").Inc()
	m.UnroutedRequests.WithLabelValues("m").Inc()
	m.UnmeteredResponses.WithLabelValues("p", "openai_other").Inc()
	m.BetasDropped.WithLabelValues("p", "other").Inc()
	m.GenAITokenUsage.WithLabelValues("input", "anthropic", "m", "chat").Observe(1)
	m.GenAIDuration.WithLabelValues("anthropic", "m", "chat").Observe(1)
	m.GenAITTFT.WithLabelValues("anthropic", "m", "chat").Observe(1)
	m.Budget.Rejections.WithLabelValues("b", "t").Inc()
	m.Budget.ShadowRejections.WithLabelValues("b", "t").Inc()
	m.Budget.Remaining.WithLabelValues("b", "t").Set(1)
	m.Budget.Limit.WithLabelValues("b", "t").Set(1)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		known, ok := deploytest.KnownMetrics[mf.GetName()]
		if !ok {
			t.Errorf("%s is not in deploytest.KnownMetrics", mf.GetName())
			continue
		}
		var labels []string
		for _, l := range mf.GetMetric()[0].GetLabel() {
			labels = append(labels, l.GetName())
		}
		want := append([]string(nil), known.Labels...)
		sort.Strings(labels)
		sort.Strings(want)
		if strings.Join(labels, ",") != strings.Join(want, ",") {
			t.Errorf("%s labels %v, known as %v", mf.GetName(), labels, want)
		}
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
