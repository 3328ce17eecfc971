package metering

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

var fuzzEncodings = []string{"", "gzip", "br", "deflate"}

// FuzzMeter feeds arbitrary bodies, in any encoding, in two chunks. Metering must never
// panic or hang, must stop its goroutine, and (for plain bodies, whose framing is
// byte-exact) must not depend on where the body was split.
func FuzzMeter(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		b := body(f, fx)
		f.Add(uint8(fx.Kind), uint8(0), fx.ContentType == "text/event-stream", b, uint16(len(b)/3))
		f.Add(uint8(fx.Kind), uint8(1), fx.ContentType == "text/event-stream", compress(f, encoders[0], b), uint16(40))
		f.Add(uint8(fx.Kind), uint8(2), fx.ContentType == "text/event-stream", compress(f, encoders[1], b), uint16(7))
	}
	deep := []byte(`{"usage":{"input_tokens":1},"x":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}`)
	f.Add(uint8(api.AnthropicMessages), uint8(0), false, deep, uint16(100))
	f.Add(uint8(api.OpenAIChat), uint8(0), true, append(append([]byte("data: "), deep...), "\n\n"...), uint16(3000))
	f.Fuzz(func(t *testing.T, kind, enc uint8, stream bool, b []byte, at uint16) {
		ct := "application/json"
		if stream {
			ct = "text/event-stream"
		}
		k, e := api.Kind(kind%16), fuzzEncodings[int(enc)%len(fuzzEncodings)]
		lim := Limits{MaxEventBytes: 1 << 12, MaxBodyBytes: 1 << 12, MaxDecodedBytes: 1 << 16}
		cut := int(at) % (len(b) + 1)
		whole := New(k, ct, e, lim)
		whole.Write(b)
		rw := whole.Finish()
		split := New(k, ct, e, lim)
		split.Write(b[:cut])
		split.Write(b[cut:])
		rs := split.Finish()
		if e != "" {
			return
		}
		if rw.Usage != rs.Usage || rw.Seen != rs.Seen || (rw.Err == nil) != (rs.Err == nil) ||
			rw.FirstContentAt.IsZero() != rs.FirstContentAt.IsZero() {
			t.Fatalf("%v %s: split at %d gives %+v, whole %+v", k, ct, cut, rs, rw)
		}
	})
}
