package jsonlimit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestCheckDepth(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		in   string
		max  int
		want bool // within the limit
	}{
		{"flat object", `{"model":"x","a":1}`, 1, true},
		{"exactly max", nested(5), 5, true},
		{"one over", nested(6), 5, false},
		{"objects count too", `{"a":{"b":{"c":1}}}`, 2, false},
		{"brackets in strings do not count", `{"a":"[[[[[[[[{{{{{{"}`, 1, true},
		{"escaped quote keeps the string open", `{"a":"\"[[[[[["}`, 1, true},
		{"escaped backslash ends before the quote", `{"a":"\\"}`, 1, true},
		{"siblings do not add up", `[[1],[2],[3],[4]]`, 2, true},
		{"unbalanced closers do not go negative", `]]]]]]` + nested(2), 2, true},
		{"ten thousand is the default", nested(MaxDepth), MaxDepth, true},
		{"one past the default", nested(MaxDepth + 1), MaxDepth, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDepth([]byte(tc.in), tc.max)
			if (err == nil) != tc.want {
				t.Fatalf("CheckDepth = %v, want within limit %v", err, tc.want)
			}
			var de *DepthError
			if err != nil && (!errors.As(err, &de) || de.Max != tc.max) {
				t.Fatalf("error %v is not a DepthError with max %d", err, tc.max)
			}
		})
	}
}

// TestAgreesWithEncodingJSON: for valid documents CheckDepth refuses exactly those that
// encoding/json (whose limit is also 10,000) refuses for depth.
func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, n := range []int{1, 100, MaxDepth - 1, MaxDepth, MaxDepth + 1} {
		doc := []byte(`{"model":"m","x":` + strings.Repeat(`[{"a":`, n/2) + "1" + strings.Repeat("}]", n/2) + `}`)
		depth := 1 + (n/2)*2
		ours := CheckDepth(doc, MaxDepth) == nil
		theirs := json.Valid(doc)
		if ours != theirs {
			t.Errorf("depth %d: CheckDepth within=%v, encoding/json valid=%v", depth, ours, theirs)
		}
	}
}

// TestTenMillionLevels is the body that crashed the gateway: after CheckDepth refuses
// it, no recursive parser is reached. gjson is called only on what passes.
func TestTenMillionLevels(t *testing.T) {
	body := []byte(`{"model":"claude-sonnet-4-5-20250929","x":` + strings.Repeat("[", 10_000_000) + strings.Repeat("]", 10_000_000) + `}`)
	if err := CheckDepth(body, MaxDepth); err == nil {
		t.Fatal("ten million levels accepted")
	}
	ok := []byte(`{"model":"m","x":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`)
	if err := CheckDepth(ok, MaxDepth); err != nil || !gjson.ValidBytes(ok) {
		t.Fatalf("a document at the limit: CheckDepth=%v gjson valid=%v", err, gjson.ValidBytes(ok))
	}
}

func BenchmarkCheckDepth200KB(b *testing.B) {
	body := []byte(`{"model":"m","messages":[` + strings.Repeat(`{"role":"user","content":"hello \"world\" [1,2,3] {x}"},`, 3500) + `{}]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := CheckDepth(body, MaxDepth); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCheckDepth: CheckDepth never refuses what encoding/json (limit 10,000) accepts,
// and a document it lets through is never deeper than the limit for gjson either.
func FuzzCheckDepth(f *testing.F) {
	f.Add([]byte(`{"model":"m","x":[[[[]]]]}`))
	f.Add([]byte(`{"a":"\\\"[[[[","b":[{"c":"]]]"}]}`))
	f.Add([]byte(strings.Repeat("[", 200) + strings.Repeat("]", 200)))
	f.Add([]byte(`"unterminated [[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 64
		err := CheckDepth(b, max)
		if err == nil {
			return
		}
		// Refused: a valid document must really be deeper than max. Wrap it in max
		// arrays' worth of headroom below encoding/json's limit to compare.
		if json.Valid(b) {
			wrapped := []byte(strings.Repeat("[", MaxDepth-max) + string(b) + strings.Repeat("]", MaxDepth-max))
			if json.Valid(wrapped) {
				t.Fatalf("refused a document encoding/json finds within %d levels: %v", max, err)
			}
		}
	})
}
