package extproc_test

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tollgate/tollgate/pricing"
)

const anthropicStream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1000,\"cache_read_input_tokens\":2000,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n" +
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n" +
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":500}}\n\n"

// TestCostFromPriceTable: a priced model's cost reaches the metadata and the cost
// counter, computed with the built-in table.
func TestCostFromPriceTable(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	// claude-sonnet-4-5-20250929 routes to anthropic with upstream claude-sonnet-4-5.
	table, _ := pricing.NewTable(nil, nil)
	p, m, ok := table.Resolve(pricing.Query{ProviderType: "anthropic", UpstreamModel: "claude-sonnet-4-5", ClientModel: "claude-sonnet-4-5-20250929"})
	if !ok {
		t.Fatal("claude-sonnet-4-5 has no built-in price")
	}
	want := (1000*p.Input + 2000*p.CacheRead + 500*p.Output) / 1e6
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","stream":true}`)
	ex := f.open(t)
	ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
	ex.send(requestBody(body))
	ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
	ex.send(responseBody([]byte(anthropicStream), false))
	resp := ex.send(responseBody(nil, true))
	ex.close()
	got := resp.GetDynamicMetadata().Fields["tollgate"].GetStructValue().Fields["cost_usd"].GetNumberValue()
	if math.Abs(got-want) > 1e-12 || want <= 0 {
		t.Errorf("cost_usd = %v, want %v (price key %s)", got, want, m.Key)
	}
	if c := testutil.ToFloat64(f.metrics.CostUSD.WithLabelValues("platform", "claude-sonnet-4-5-20250929", "anthropic")); math.Abs(c-want) > 1e-12 {
		t.Errorf("tollgate_cost_usd_total = %v, want %v", c, want)
	}
}

// TestUnpricedUsageIsLoud: a model without a price adds no cost, counts its tokens as
// unpriced, and is warned about once per model.
func TestUnpricedUsageIsLoud(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	body := []byte(`{"model":"claude-nextgen-9-preview","stream":true}`) // served by claude-*, priced nowhere
	for i := 0; i < 3; i++ {
		ex := f.open(t)
		ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
		ex.send(requestBody(body))
		ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
		ex.send(responseBody([]byte(anthropicStream), false))
		if md := ex.send(responseBody(nil, true)).GetDynamicMetadata(); md.Fields["tollgate"].GetStructValue().Fields["cost_usd"] != nil {
			t.Error("cost_usd set for an unpriced model")
		}
		ex.close()
	}
	if got := testutil.ToFloat64(f.metrics.UnpricedTokens.WithLabelValues("claude-nextgen-9-preview", "anthropic")); got != 3*3500 {
		t.Errorf("unpriced tokens = %v, want %d", got, 3*3500)
	}
	if n := testutil.CollectAndCount(f.metrics.CostUSD); n != 0 {
		t.Errorf("%d cost series for an unpriced model", n)
	}
	if n := strings.Count(f.logs.String(), `"level":"WARN"`); n != 1 {
		t.Errorf("%d warnings, want exactly 1:\n%s", n, f.logs.String())
	}
}

// TestFastModeRequestBilledAsFast: a request asking for Anthropic fast mode (speed:
// "fast") whose response does not report its speed is billed at the fast price (×6 for
// claude-opus-4-6), never at the standard one; a model without a fast price leaves it
// unpriced.
func TestFastModeRequestBilledAsFast(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	table, _ := pricing.NewTable(nil, nil)
	cost := func(model string) (float64, bool) {
		body := []byte(`{"model":"` + model + `","stream":true,"speed":"fast","max_tokens":10}`)
		ex := f.open(t)
		defer ex.close()
		ex.send(post("/v1/messages", body, "x-api-key", aliceKey))
		ex.send(requestBody(body))
		ex.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"))
		ex.send(responseBody([]byte(anthropicStream), false))
		v := ex.send(responseBody(nil, true)).GetDynamicMetadata().Fields["tollgate"].GetStructValue().Fields["cost_usd"]
		return v.GetNumberValue(), v != nil
	}
	p, _, _ := table.Resolve(pricing.Query{ProviderType: "anthropic", ClientModel: "claude-opus-4-6"})
	want := 6 * (1000*p.Input + 2000*p.CacheRead + 500*p.Output) / 1e6
	if got, ok := cost("claude-opus-4-6"); !ok || math.Abs(got-want) > 1e-12 {
		t.Errorf("fast claude-opus-4-6 cost = %v (priced %v), want %v", got, ok, want)
	}
	if got, ok := cost("claude-sonnet-4-5-20250929"); ok {
		t.Errorf("fast request on a model without a fast price was priced at %v", got)
	}
}
