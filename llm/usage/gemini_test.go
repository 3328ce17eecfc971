package usage

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

func TestGeminiEvents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		events  []string
		want    Usage
		seen    bool
		firstAt int // -1: no content
	}{
		{
			name: "the last usageMetadata replaces the earlier partial ones",
			events: []string{
				`{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":100,"totalTokenCount":100}}`,
				`{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":1,"cachedContentTokenCount":60,"thoughtsTokenCount":40}}`,
				`{"candidates":[{"content":{"parts":[{"text":" there"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":7,"cachedContentTokenCount":60,"thoughtsTokenCount":50,"toolUsePromptTokenCount":5,"totalTokenCount":162}}`,
			},
			want: Usage{Input: 45, Output: 57, CacheRead: 60, Reasoning: 50}, seen: true, firstAt: 1,
		},
		{
			name: "a thought summary is the first content",
			events: []string{
				`{"candidates":[{"content":{"parts":[{"text":"Plan","thought":true}],"role":"model"}}]}`,
				`{"candidates":[{"content":{"parts":[{"text":"Done"}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}}`,
			},
			want: Usage{Input: 3, Output: 1}, seen: true, firstAt: 0,
		},
		{
			name: "a signature alone is not content; a function call with one is",
			events: []string{
				`{"candidates":[{"content":{"parts":[{"thoughtSignature":"AAAA"}]}}]}`,
				`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"AAAA"}]}}]}`,
			},
			firstAt: 1,
		},
		{
			name: "usageMetadata quoted inside a text is not usage",
			events: []string{
				`{"candidates":[{"content":{"parts":[{"text":"say \"usageMetadata\":{\"promptTokenCount\":9}"}]}}]}`,
			},
			firstAt: 0,
		},
		{
			name:   "cached above prompt clamps input at zero",
			events: []string{`{"usageMetadata":{"promptTokenCount":10,"cachedContentTokenCount":12}}`},
			want:   Usage{CacheRead: 12}, seen: true, firstAt: -1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := NewExtractor(api.GeminiStreamGenerateContent)
			first := -1
			for i, e := range tc.events {
				if ex.Event("", []byte(e)) {
					if first >= 0 {
						t.Errorf("first content reported twice (%d and %d)", first, i)
					}
					first = i
				}
			}
			if ex.Usage() != tc.want || ex.Seen() != tc.seen || first != tc.firstAt {
				t.Errorf("usage %+v seen %v first %d; want %+v %v %d", ex.Usage(), ex.Seen(), first, tc.want, tc.seen, tc.firstAt)
			}
		})
	}
}

// TestGeminiBody: a generateContent answer, and a streamGenerateContent answer without
// alt=sse, which is one JSON array of chunks (the last usageMetadata counts).
func TestGeminiBody(t *testing.T) {
	for body, want := range map[string]Usage{
		`{"candidates":[],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":4,"thoughtsTokenCount":2}}`:                                      {Input: 10, Output: 6, Reasoning: 2},
		"[{\"usageMetadata\":{\"promptTokenCount\":10}}\n,\r\n{\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":3}}\n,\r\n{\"x\":1}]": {Input: 10, Output: 3},
		` [{"usageMetadata":{"promptTokenCount":8,"cachedContentTokenCount":8,"candidatesTokenCount":1}}]`:                                               {CacheRead: 8, Output: 1},
	} {
		ex := NewExtractor(api.GeminiGenerateContent)
		ex.Body([]byte(body))
		if ex.Usage() != want || !ex.Seen() {
			t.Errorf("%s: %+v %v, want %+v", body, ex.Usage(), ex.Seen(), want)
		}
	}
	for _, body := range []string{`[]`, `[{"candidates":[]}]`, `{"candidates":[]}`, `{"error":{"code":400}}`} {
		ex := NewExtractor(api.GeminiGenerateContent)
		if ex.Body([]byte(body)); ex.Seen() {
			t.Errorf("%s: usage seen", body)
		}
	}
	ct := NewExtractor(api.GeminiCountTokens)
	if ct.Body([]byte(`{"totalTokens":5}`)); ct.Seen() {
		t.Error("countTokens is not billable usage")
	}
}
