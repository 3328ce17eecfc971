package pricing

import "testing"

// lookupTable has one distinct input price per key, so a test can see which key won.
func lookupTable(t testing.TB) *Table {
	return mustBuild(t, map[string]Entry{
		"gpt-5.1":                                      price("openai", 1, 10),
		"azure/gpt-5.1":                                price("azure_openai", 2, 10),
		"negotiated-gpt":                               price("", 3, 10),
		"vertex_ai/claude-sonnet-4-5@20250929":         price("vertex", 4, 10),
		"claude-sonnet-4-5-20250929":                   price("anthropic", 5, 10),
		"anthropic.claude-sonnet-4-5-20250929-v1:0":    price("bedrock", 6, 10),
		"jp.anthropic.claude-sonnet-4-5-20250929-v1:0": price("bedrock", 7, 10),
		"claude-haiku-4-5":                             price("anthropic", 8, 10),
		"gemini/gemini-2.5-pro":                        price("gemini", 9, 10),
		"gemini-2.5-pro":                               price("vertex", 10, 10),
	}, nil)
}

func TestResolveSteps(t *testing.T) {
	tb := lookupTable(t)
	for _, tc := range []struct {
		name string
		q    Query
		key  string
		step Step
	}{
		{"pricing_model as written", Query{PricingModel: "negotiated-gpt", ProviderType: "azure_openai", UpstreamModel: "gpt-5.1", ClientModel: "gpt-5.1"},
			"negotiated-gpt", StepPricingModel},
		{"pricing_model with provider prefix first", Query{PricingModel: "gpt-5.1", ProviderType: "azure_openai", UpstreamModel: "gpt-51-prod"},
			"azure/gpt-5.1", StepPricingModel},
		{"pricing_model full key", Query{PricingModel: "gpt-5.1", ProviderType: "openai", UpstreamModel: "other"},
			"gpt-5.1", StepPricingModel},
		{"upstream with provider prefix", Query{ProviderType: "azure_openai", UpstreamModel: "gpt-5.1", ClientModel: "x"},
			"azure/gpt-5.1", StepUpstreamModel},
		{"upstream as written", Query{ProviderType: "openai", UpstreamModel: "gpt-5.1", ClientModel: "claude-haiku-4-5"},
			"gpt-5.1", StepUpstreamModel},
		{"upstream vertex @date", Query{ProviderType: "vertex", UpstreamModel: "claude-sonnet-4-5@20250929"},
			"vertex_ai/claude-sonnet-4-5@20250929", StepUpstreamModel},
		{"upstream bedrock cross-region keeps its own price", Query{ProviderType: "bedrock", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"},
			"jp.anthropic.claude-sonnet-4-5-20250929-v1:0", StepUpstreamModel},
		{"normalized: unknown cross-region prefix, provider's key preferred", Query{ProviderType: "bedrock", UpstreamModel: "apac.anthropic.claude-sonnet-4-5-20250929-v1:0"},
			"anthropic.claude-sonnet-4-5-20250929-v1:0", StepNormalized},
		{"normalized: pricing_model before upstream", Query{PricingModel: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", ProviderType: "vertex", UpstreamModel: "claude-haiku-4-5@20251001"},
			"vertex_ai/claude-sonnet-4-5@20250929", StepNormalized},
		{"normalized: @date becomes -date", Query{ProviderType: "anthropic", UpstreamModel: "claude-sonnet-4-5@20250929"},
			"claude-sonnet-4-5-20250929", StepNormalized},
		{"normalized: trailing date dropped", Query{ProviderType: "vertex", UpstreamModel: "claude-haiku-4-5@20251001"},
			"claude-haiku-4-5", StepNormalized},
		{"normalized: ISO date dropped", Query{ProviderType: "openai", UpstreamModel: "gpt-5.1-2099-01-31"},
			"gpt-5.1", StepNormalized},
		{"normalized: provider preference", Query{ProviderType: "gemini", UpstreamModel: "models/gemini-2.5-pro"},
			"gemini/gemini-2.5-pro", StepNormalized},
		{"normalized: shortest key without provider match", Query{ProviderType: "openai", UpstreamModel: "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
			"claude-sonnet-4-5-20250929", StepNormalized},
		{"client model with provider prefix", Query{ProviderType: "azure_openai", UpstreamModel: "my-deployment", ClientModel: "gpt-5.1"},
			"azure/gpt-5.1", StepClientModel},
		{"client model as written", Query{ProviderType: "anthropic", UpstreamModel: "proxy-model", ClientModel: "claude-haiku-4-5"},
			"claude-haiku-4-5", StepClientModel},
		{"client model normalized", Query{ProviderType: "anthropic", UpstreamModel: "proxy-model", ClientModel: "claude-haiku-4-5-20991231"},
			"claude-haiku-4-5", StepClientModel},
	} {
		p, m, ok := tb.Resolve(tc.q)
		if !ok || m.Key != tc.key || m.Step != tc.step || m.Source != SourceFile {
			t.Errorf("%s: Resolve(%+v) = %+v, %v; want key %s step %s", tc.name, tc.q, m, ok, tc.key, tc.step)
			continue
		}
		want, _, _ := tb.Lookup(tc.key)
		if p.Input != want.Input {
			t.Errorf("%s: input price %v, want %s's %v", tc.name, p.Input, tc.key, want.Input)
		}
	}
}

func TestResolveUnpriced(t *testing.T) {
	tb := lookupTable(t)
	for _, q := range []Query{
		{},
		{ProviderType: "openai", UpstreamModel: "llama-4", ClientModel: "llama-4"},
		{PricingModel: "nope", ProviderType: "azure_openai", UpstreamModel: "gpt-51-prod", ClientModel: "my-alias"},
		// Another vendor's Bedrock id is not normalised into a Claude price.
		{ProviderType: "bedrock", UpstreamModel: "us.meta.llama3-3-70b-instruct-v1:0"},
	} {
		if _, m, ok := tb.Resolve(q); ok {
			t.Errorf("Resolve(%+v) = %+v, want no price", q, m)
		}
	}
}

func TestResolveBuiltin(t *testing.T) {
	tb, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q   Query
		key string
	}{
		{Query{ProviderType: "bedrock", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", ClientModel: "claude-sonnet-4-5-20250929"}, "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{Query{ProviderType: "vertex", UpstreamModel: "claude-sonnet-4-5@20250929"}, "vertex_ai/claude-sonnet-4-5@20250929"},
		{Query{ProviderType: "azure_openai", UpstreamModel: "gpt-51-prod", PricingModel: "gpt-5.1"}, "azure/gpt-5.1"},
		{Query{ProviderType: "gemini", UpstreamModel: "gemini-2.5-pro"}, "gemini/gemini-2.5-pro"},
		{Query{ProviderType: "anthropic", UpstreamModel: "claude-opus-4-5"}, "claude-opus-4-5"},
	} {
		if _, m, ok := tb.Resolve(tc.q); !ok || m.Key != tc.key || m.Source != SourceBuiltin {
			t.Errorf("Resolve(%+v) = %+v, %v; want %s", tc.q, m, ok, tc.key)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"jp.anthropic.claude-sonnet-4-5-20250929-v1:0":        "claude-sonnet-4-5-20250929",
		"global.anthropic.claude-opus-4-6-v1":                 "claude-opus-4-6",
		"us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0":    "claude-sonnet-4-5-20250929",
		"apac.anthropic.claude-3-5-sonnet-20241022-v2:0":      "claude-3-5-sonnet-20241022",
		"bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0": "claude-3-5-haiku-20241022",
		"vertex_ai/claude-sonnet-4-5@20250929":                "claude-sonnet-4-5-20250929",
		"vertex_ai/claude-opus-4-6@default":                   "claude-opus-4-6",
		"azure/gpt-5.1":                                       "gpt-5.1",
		"gemini/gemini-2.5-pro":                               "gemini-2.5-pro",
		"models/gemini-2.5-flash":                             "gemini-2.5-flash",
		"gpt-4o-2024-08-06":                                   "gpt-4o-2024-08-06",
		"us.meta.llama3-3-70b-instruct-v1:0":                  "meta.llama3-3-70b-instruct",
		"claude-3-5-sonnet-v2-preview":                        "claude-3-5-sonnet-v2-preview",
		"a-very-long-model-id-" + string(make([]byte, 200)):   "a-very-long-model-id-" + string(make([]byte, 200)),
	} {
		if got := string(normalize(nil, in)); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStripDate(t *testing.T) {
	for in, want := range map[string]string{
		"claude-haiku-4-5-20251001": "claude-haiku-4-5",
		"gpt-4o-2024-08-06":         "gpt-4o",
		"gpt-5.1":                   "gpt-5.1",
		"o3-mini":                   "o3-mini",
		"x-2025080":                 "x-2025080",
		"20250929":                  "20250929",
	} {
		if got := string(stripDate([]byte(in))); got != want {
			t.Errorf("stripDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"jp.anthropic.claude-x-v1:0", "vertex_ai/c@20250101", "-v", "@", "a-2025-01-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(nil, s)
		if len(n) > len(s) {
			t.Errorf("normalize(%q) = %q grew", s, n)
		}
		_ = stripDate(n)
	})
}
