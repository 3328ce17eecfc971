package routing

import "testing"

func TestResolveFirstMatchInFileOrder(t *testing.T) {
	r, err := New([]Rule{
		{Match: "claude-sonnet-4-5-20250929", Provider: "bedrock", UpstreamModel: "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{Match: "claude-*-beta", Provider: "beta"},
		{Match: "claude-*", Provider: "anthropic"},
		{Match: "claude-haiku-4-5", Provider: "never"}, // shadowed by the glob above
		{Match: "*.anthropic.claude-*", Provider: "bedrock", UpstreamModel: "jp.anthropic.{model}"},
		{Match: "gpt-5.1", Provider: "azure", UpstreamModel: "gpt-51-prod", PricingModel: "gpt-5.1"},
		{Match: "*", Provider: "fallback", UpstreamModel: "x/{model}/{model}"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ model, provider, upstream, pricing string }{
		{"claude-sonnet-4-5-20250929", "bedrock", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", ""},
		{"claude-opus-9-beta", "beta", "claude-opus-9-beta", ""},
		{"claude-haiku-4-5", "anthropic", "claude-haiku-4-5", ""},
		{"claude-", "anthropic", "claude-", ""},
		{"global.anthropic.claude-x", "bedrock", "jp.anthropic.global.anthropic.claude-x", ""},
		{"gpt-5.1", "azure", "gpt-51-prod", "gpt-5.1"},
		{"gpt-5.10", "fallback", "x/gpt-5.10/gpt-5.10", ""},
	} {
		got, ok := r.Resolve(tc.model)
		if !ok || got.Provider != tc.provider || got.UpstreamModel != tc.upstream || got.PricingModel != tc.pricing || got.Model != tc.model {
			t.Errorf("Resolve(%q) = %+v, %v; want %s %s %s", tc.model, got, ok, tc.provider, tc.upstream, tc.pricing)
		}
	}
	if got := r.ExactModels(); len(got) != 3 || got[0] != "claude-sonnet-4-5-20250929" || got[1] != "claude-haiku-4-5" || got[2] != "gpt-5.1" {
		t.Errorf("ExactModels = %v", got)
	}
}

func TestNoMatch(t *testing.T) {
	r, _ := New([]Rule{{Match: "claude-*", Provider: "a"}, {Match: "gpt-4o", Provider: "b"}})
	for _, m := range []string{"", "gpt-4o-mini", "xclaude-1", "Claude-3"} {
		if got, ok := r.Resolve(m); ok {
			t.Errorf("Resolve(%q) = %+v, want no match", m, got)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"a*", "a", true}, {"*a", "ba", true}, {"*a", "ab", false},
		{"a*b*c", "abc", true}, {"a*b*c", "aXbYc", true}, {"a*b*c", "acb", false},
		{"a*a", "a", false}, {"a*a", "aa", true}, {"*ab*ab", "abab", true}, {"*ab*ab", "abXab", true},
		{"a*bc", "abcbc", true}, {"a*b", "abab", true},
	} {
		if err := checkGlob(tc.pattern); err != nil {
			t.Fatal(err)
		}
		if got := compileGlob(tc.pattern).match(tc.s); got != tc.want {
			t.Errorf("%q ~ %q = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	for _, bad := range []string{"", "a[b]", "a{b,c}", `a\*`, "a?", "a**"} {
		if checkGlob(bad) == nil {
			t.Errorf("checkGlob(%q) accepted", bad)
		}
	}
}
