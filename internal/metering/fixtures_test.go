package metering

import (
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// Every fixture, with every line ending, gives its expected usage whether it arrives
// whole, in two chunks split at any byte, or one byte at a time.
func TestFixturesAnySplit(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for ending, b := range lineEndings(f, body(t, f)) {
			checkResult(t, f, ending+"/whole", meter(New(f.Kind, f.ContentType, "", Limits{}), [][]byte{b}))
			for i := 0; i <= len(b); i++ {
				m := New(f.Kind, f.ContentType, "", Limits{})
				checkResult(t, f, name(ending, "/split@", i), meter(m, [][]byte{b[:i], b[i:]}))
			}
			m := New(f.Kind, f.ContentType, "", Limits{})
			checkResult(t, f, ending+"/bytewise", meter(m, chunks(b, 1)))
		}
	}
}

func TestContentTypes(t *testing.T) {
	sse := []byte("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n")
	json := []byte(`{"usage":{"prompt_tokens":3,"completion_tokens":4}}`)
	tests := []struct {
		contentType string
		body        []byte
		wantSeen    bool
	}{
		{"text/event-stream", sse, true},
		{"Text/Event-Stream; charset=utf-8", sse, true},
		{"application/json", json, true},
		{"application/json; charset=utf-8", json, true},
		{"application/problem+json", json, true},
		{"text/plain", sse, false},
		{"text/html", json, false},
		{"", json, false},
	}
	for _, tt := range tests {
		m := New(api.OpenAIChat, tt.contentType, "", Limits{})
		got := meter(m, chunks(tt.body, 5))
		if got.Err != nil || got.Seen != tt.wantSeen {
			t.Errorf("%q: seen %v err %v, want seen %v", tt.contentType, got.Seen, got.Err, tt.wantSeen)
		}
		if tt.wantSeen && (got.Usage.Input != 3 || got.Usage.Output != 4) {
			t.Errorf("%q: usage %+v", tt.contentType, got.Usage)
		}
	}
}
