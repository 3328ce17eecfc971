package bench

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
)

// words is the vocabulary of generated prose: source-code conversation, as coding agents send.
var words = strings.Fields(`the function returns an error when the config file is missing and
the caller retries with a backoff read main.go and explain why the test fails after the
refactor we moved the handler into its own package so the import cycle is gone run go vet
and fix what it reports the request body is parsed once then the model name is rewritten in
place without re-serialising the JSON please add a table-driven test for the empty input case
and the case where the stream ends early check the README for the flags the server accepts`)

// textGen produces deterministic prose from a fixed seed.
type textGen struct{ r *rand.Rand }

func newTextGen(seed uint64) *textGen {
	return &textGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// text returns about n bytes of words.
func (g *textGen) text(n int) string {
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[g.r.IntN(len(words))])
	}
	return b.String()
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil { // a string always marshals
		panic(err)
	}
	return string(b)
}
