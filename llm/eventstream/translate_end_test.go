package eventstream

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestTranslateWithEnd: Translate with the end flag on the last chunk gives the golden
// SSE at every split, and a stream that ends inside a frame ends with an error event.
func TestTranslateWithEnd(t *testing.T) {
	full := stream(t, loadEvents(t), exceptionFrame(t, "modelStreamErrorException", "The model stream failed."))
	golden, err := os.ReadFile("testdata/stream.sse")
	if err != nil {
		t.Fatal(err)
	}
	want := string(golden)
	for split := 0; split <= len(full); split += 5 {
		tr := NewTranslator(Handler{})
		var out bytes.Buffer
		b, err := tr.Translate(full[:split], false)
		out.Write(b)
		if err == nil {
			b, err = tr.Translate(full[split:], true)
			out.Write(b)
		}
		if err != nil || out.String() != want {
			t.Fatalf("split %d: err %v\n%s", split, err, out.String())
		}
	}

	tr := NewTranslator(Handler{})
	out, err := tr.Translate(full[:len(full)-3], true)
	if !errors.Is(err, ErrTruncated) || !strings.HasSuffix(string(out), "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\""+corruptMessage+"\"}}\n\n") {
		t.Fatalf("err %v, out ends %q", err, out[max(0, len(out)-200):])
	}
	if out, err := tr.Translate([]byte("more"), true); out != nil || !errors.Is(err, ErrTruncated) {
		t.Errorf("after the error: %q, %v", out, err)
	}
}
