package jsonlimit

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValid: Valid is encoding/json.Valid for documents up to MaxDepth, false deeper —
// at ten million levels too, where a recursive validator overflows the stack.
func TestValid(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[1,2]`, `"x"`, `{"a":{"b":[true,null,1e3]}}`, ` {"a":1} `, `{"a":1}x`, `{"a":}`, `[1,]`, ``, `"\u12"`,
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	} {
		if got, want := Valid([]byte(doc)), json.Valid([]byte(doc)); got != want {
			t.Errorf("Valid(%.40q) = %v, encoding/json says %v", doc, got, want)
		}
		if ValidString(doc) != Valid([]byte(doc)) {
			t.Errorf("ValidString(%.40q) disagrees with Valid", doc)
		}
	}
	for _, n := range []int{MaxDepth + 1, 10_000_000} {
		if ValidString(strings.Repeat("[", n) + strings.Repeat("]", n)) {
			t.Errorf("%d levels deep is valid", n)
		}
	}
}
