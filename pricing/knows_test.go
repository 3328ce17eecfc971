package pricing

import "testing"

func TestKnows(t *testing.T) {
	tb := lookupTable(t)
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"gpt-5.1", true},
		{"azure/gpt-5.1", true},
		{"jp.anthropic.claude-sonnet-4-5-20250929-v1:0", true},
		{"claude-sonnet-4-5@20250929", true},          // a vertex_ai/ key without its prefix
		{"gemini-2.5-pro", true},                      // as written, and gemini/ without its prefix
		{"claude-sonnet-4-5-20250929", true},          // a key, and the normal form of the Bedrock ids
		{"anthropic.claude-haiku-4-5", false},         // normalises to a key, but is none of the table's names
		{"claude-haiku-4-5-20991231", false},          // an invented date
		{"claude-sonnet-4-5@anything", false},         // normalising would drop the suffix
		{"us.anthropic.claude-haiku-4-5-v9:9", false}, // an invented region and version
		{"llama-4", false},
		{"", false},
		{string(make([]byte, maxKnownName+1)), false},
	} {
		if got := tb.Knows(tc.name); got != tc.want {
			t.Errorf("Knows(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestKnowsAllocatesNothing(t *testing.T) {
	tb, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"claude-sonnet-4-5-20250929", "gpt-5.1", "mistral-large-2411", "x"} {
		if n := testing.AllocsPerRun(100, func() { tb.Knows(name) }); n != 0 {
			t.Errorf("Knows(%q) allocates %v times", name, n)
		}
	}
}

// BenchmarkKnows is the work of one request that no rule routes.
func BenchmarkKnows(b *testing.B) {
	tb, err := NewTable(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"claude-sonnet-4-5-20250929", "invented-model-name"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tb.Knows(name)
			}
		})
	}
}
