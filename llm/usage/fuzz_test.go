package usage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/sse"
)

type extracted struct {
	usage Usage
	seen  bool
	first int // index of the event that reported first content, -1 for none
}

// extract parses stream as SSE, in the given pieces, into a fresh extractor for k.
func extract(k api.Kind, pieces ...[]byte) extracted {
	ex := NewExtractor(k)
	out := extracted{first: -1}
	n := 0
	p := sse.NewParser(1<<16, func(name string, data []byte) {
		if ex.Event(name, data) && out.first < 0 {
			out.first = n
		}
		n++
	})
	for _, c := range pieces {
		_ = p.Write(c)
	}
	_ = p.Finish()
	out.usage, out.seen = ex.Usage(), ex.Seen()
	return out
}

var fuzzKinds = []api.Kind{api.OpenAIChat, api.OpenAIResponses, api.AnthropicMessages,
	api.BedrockInvokeStream, api.AnthropicCountTokens, api.Unknown, api.GeminiStreamGenerateContent}

func FuzzExtractors(f *testing.F) {
	bodies, _ := filepath.Glob("testdata/*.sse")
	jsons, _ := filepath.Glob("testdata/*.json")
	for i, p := range append(bodies, jsons...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b, uint16(len(b)/2))
	}
	f.Add(uint8(0), []byte("data: {\"usage\":{\"prompt_tokens\":-5,\"prompt_tokens_details\":{\"cached_tokens\":9}}}\n\n"), uint16(9))
	// Deep nesting from a provider (the request-side stack-overflow shape): extractors
	// must not recurse on it.
	deep := strings.Repeat("[", 50000) + strings.Repeat("]", 50000)
	f.Add(uint8(0), []byte("data: {\"x\":"+deep+",\"usage\":{\"prompt_tokens\":3}}\n\n"), uint16(20))
	f.Add(uint8(2), []byte("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"+deep+",\"usage\":{\"output_tokens\":4}}\n\n"), uint16(60))
	f.Add(uint8(4), []byte(`{"input_tokens":`+deep+`}`), uint16(1))
	f.Add(uint8(6), []byte(`[`+deep+`,{"usageMetadata":{"promptTokenCount":2}}]`), uint16(3))
	f.Add(uint8(6), []byte("data: {\"candidates\":[{\"content\":{\"parts\":"+deep+"}}],\"usageMetadata\":{\"promptTokenCount\":2}}\n\n"), uint16(30))
	f.Fuzz(func(t *testing.T, k uint8, stream []byte, at uint16) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		whole := extract(kind, stream)
		cut := int(at) % (len(stream) + 1)
		if split := extract(kind, stream[:cut], stream[cut:]); split != whole {
			t.Fatalf("%v: split at %d gives %+v, whole %+v", kind, cut, split, whole)
		}
		if !whole.seen && !whole.usage.IsZero() {
			t.Fatalf("%v: usage %+v without Seen", kind, whole.usage)
		}
		if kind.CountsTokens() && (whole.seen || whole.first >= 0) {
			t.Fatalf("%v: token counting API reported usage or content", kind)
		}
		ex := NewExtractor(kind)
		ex.Body(stream)
		if !ex.Seen() && !ex.Usage().IsZero() {
			t.Fatalf("%v: body usage %+v without Seen", kind, ex.Usage())
		}
	})
}
