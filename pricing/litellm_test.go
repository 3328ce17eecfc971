package pricing

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

const realFile = "testdata/model_prices_and_context_window.json"

func readReal(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(realFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestParseRealFile checks that every chat entry of the real file is parsed, counting
// them with a generic decode rather than the parser's own code.
func TestParseRealFile(t *testing.T) {
	data := readReal(t)
	entries, skipped, err := ParseLiteLLM(data)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{}
	for k, v := range raw {
		m, ok := v.(map[string]any)
		if !ok || k == "sample_spec" {
			continue
		}
		mode, hasMode := m["mode"]
		if hasMode && mode != "chat" && mode != "responses" {
			continue
		}
		_, in := m["input_cost_per_token"]
		_, out := m["output_cost_per_token"]
		if in || out {
			want[k] = m
		}
	}
	if skipped != 0 || len(entries) != len(want) || len(want) < 1000 {
		t.Fatalf("parsed %d entries (%d skipped), want %d", len(entries), skipped, len(want))
	}
	for k, m := range want {
		e, ok := entries[k]
		if !ok {
			t.Errorf("%q not parsed", k)
			continue
		}
		for field, got := range map[string]*float64{
			"input_cost_per_token":                      e.Input,
			"output_cost_per_token":                     e.Output,
			"cache_read_input_token_cost":               e.CacheRead,
			"cache_creation_input_token_cost":           e.CacheWrite,
			"cache_creation_input_token_cost_above_1hr": e.CacheWrite1h,
		} {
			v, has := m[field].(float64)
			if has != (got != nil) || (has && !near(*got, v*1e6)) {
				t.Errorf("%s %s: got %v, file has %v", k, field, deref(got), m[field])
			}
		}
		tiers := 0
		for f := range m {
			if strings.HasSuffix(f, "k_tokens") && strings.Contains(f, "_above_") {
				tiers++
			}
		}
		if tiers == 0 && len(e.Tiers) > 0 {
			t.Errorf("%s: %d tiers from a file without tier fields", k, len(e.Tiers))
		}
		if _, err := e.price(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	for _, notModel := range []string{"sample_spec", "last_updated"} {
		if _, ok := entries[notModel]; ok {
			t.Errorf("%s parsed as a model", notModel)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestParseLiteLLMEntries(t *testing.T) {
	const file = `{
	  "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "one of: chat"},
	  "last_updated": "2026-07-24T00:00:00Z",
	  "chat": {"mode": "chat", "litellm_provider": "anthropic", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
	    "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
	    "cache_creation_input_token_cost_above_1hr": 6e-06,
	    "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
	    "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
	    "input_cost_per_token_above_200k_tokens_priority": 1e-05,
	    "input_cost_per_token_above_128k_tokens": 0.0000045,
	    "supports_vision": true, "new_field": {"x": [1]}},
	  "responses": {"mode": "responses", "litellm_provider": "azure", "input_cost_per_token": 0.00000125, "output_cost_per_token": 1E-5},
	  "no mode": {"litellm_provider": "fireworks_ai", "input_cost_per_token": 2e-07, "output_cost_per_token": 2e-07},
	  "no prices": {"mode": "chat", "litellm_provider": "perplexity"},
	  "embedding": {"mode": "embedding", "input_cost_per_token": 1e-07, "output_cost_per_token": 0},
	  "empty": {},
	  "bad price": {"mode": "chat", "input_cost_per_token": "cheap", "output_cost_per_token": 1e-06},
	  "negative": {"mode": "chat", "input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06},
	  "string": "not an object"
	}`
	entries, skipped, err := ParseLiteLLM([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 2 {
		t.Errorf("skipped = %d, want 2 (bad price, negative)", skipped)
	}
	var keys []string
	for k := range entries {
		keys = append(keys, k)
	}
	if len(entries) != 3 || entries["chat"].Provider != "anthropic" || entries["responses"].Provider != "azure_openai" || entries["no mode"].Provider != "" {
		t.Fatalf("entries = %v", keys)
	}
	chat := entries["chat"]
	// Exact: the per-token decimal is shifted, not multiplied in floating point.
	for name, c := range map[string]struct {
		got  *float64
		want float64
	}{
		"input": {chat.Input, 3}, "output": {chat.Output, 15}, "cache_read": {chat.CacheRead, 0.3},
		"cache_write": {chat.CacheWrite, 3.75}, "cache_write_1h": {chat.CacheWrite1h, 6},
		"azure input": {entries["responses"].Input, 1.25}, "azure output": {entries["responses"].Output, 10},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want exactly %v", name, deref(c.got), c.want)
		}
	}
	if len(chat.Tiers) != 2 {
		t.Fatalf("tiers = %+v, want 128k and 200k", chat.Tiers)
	}
	t128, t200 := chat.Tiers[0], chat.Tiers[1]
	if t128.AboveInputTokens != 128_000 || *t128.Input != 4.5 || t128.Output != nil {
		t.Errorf("128k tier = %+v", t128)
	}
	if t200.AboveInputTokens != 200_000 || *t200.Input != 6 || *t200.Output != 22.5 || *t200.CacheWrite1h != 12 || t200.CacheRead != nil {
		t.Errorf("200k tier = %+v", t200)
	}
}

func TestParseLiteLLMNotJSON(t *testing.T) {
	for _, data := range []string{"", "<html>", `["a"]`, `{"a":`} {
		if _, _, err := ParseLiteLLM([]byte(data)); err == nil {
			t.Errorf("ParseLiteLLM(%q) succeeded", data)
		}
	}
}

func TestPerMillion(t *testing.T) {
	for lit, want := range map[string]float64{
		"3e-06": 3, "3.75e-06": 3.75, "0.000003": 3, "1.5E-5": 15, "2.9999900000000002e-06": 2.99999,
		"0": 0, "0.0": 0, "1": 1e6, "1e-07": 0.1, "4.125e-06": 4.125, "3.3e-07": 0.33,
	} {
		got, err := perMillion(json.RawMessage(lit))
		if err != nil || !near(got, want) {
			t.Errorf("perMillion(%s) = %v, %v; want %v", lit, got, err, want)
		}
	}
	for _, lit := range []string{`"1"`, "null", "-1e-6", "true", "1e", ""} {
		if _, err := perMillion(json.RawMessage(lit)); err == nil {
			t.Errorf("perMillion(%s) succeeded", lit)
		}
	}
}

func FuzzParseLiteLLM(f *testing.F) {
	f.Add([]byte(`{"m": {"mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "input_cost_per_token_above_200k_tokens": 2e-06}}`))
	f.Add([]byte(`{"m": {"input_cost_per_token": 1, "cache_creation_input_token_cost_above_1hr_above_9k_tokens": 1e-300}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _, err := ParseLiteLLM(data)
		if err != nil {
			return
		}
		for k, e := range entries {
			p, err := e.price()
			if err != nil {
				continue
			}
			if p.Input < 0 || p.Output < 0 {
				t.Errorf("%s: negative price %+v", k, p.Rates)
			}
		}
	})
}

// TestParseLiteLLMMemoryIsBounded: a 64 MB file of tiny entries is parsed without a map
// of every raw value (the old parser reached 1.5 GB RSS on it); what is allocated stays a
// small multiple of the file.
func TestParseLiteLLMMemoryIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; b.Len() < 64<<20-64; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%08d":{"x":1}`, i)
	}
	b.WriteString(`,"gpt-x":{"input_cost_per_token":1e-06,"output_cost_per_token":2e-06}}`)
	data := []byte(b.String())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	entries, _, err := ParseLiteLLM(data)
	runtime.ReadMemStats(&after)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %d, err %v", len(entries), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*uint64(len(data)) {
		t.Fatalf("parsing %d MB allocated %d MB", len(data)>>20, alloc>>20)
	}
}

// TestParseLiteLLMEntryCountIsBounded: more chat prices than MaxPriceEntries is an error,
// not a table held in memory.
func TestParseLiteLLMEntryCountIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i <= MaxPriceEntries; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"m%d":{"input_cost_per_token":1e-06}`, i)
	}
	b.WriteString("}")
	if _, _, err := ParseLiteLLM([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("err = %v, want the entry bound", err)
	}
}

// TestParseLiteLLMDeepFile: a price file nested past the depth limit is an error, never a
// stack overflow in a recursive parser.
func TestParseLiteLLMDeepFile(t *testing.T) {
	deep := `{"m":` + strings.Repeat("[", 5_000_000) + strings.Repeat("]", 5_000_000) + `}`
	if _, _, err := ParseLiteLLM([]byte(deep)); err == nil {
		t.Fatal("a 5M-deep file parsed")
	}
}
