package translate

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// deepJSON is a valid JSON document nested n levels deep. Ten million levels overflow
// the goroutine stack of any recursive validator (gjson.Valid): a fatal error that no
// recover() catches, taking down every request in the process.
func deepJSON(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// TestDeepJSONInsideStrings: JSON the request body's own scan cannot see — tool call
// arguments and a carried thinking block are strings of the body — and upstream events
// are validated without recursion: a 400 or the client's error event, never a crash.
func TestDeepJSONInsideStrings(t *testing.T) {
	deep := deepJSON(10_000_000)

	t.Run("chat tool call arguments", func(t *testing.T) {
		body := `{"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":` +
			strconv.Quote(deep) + `}}]}]}`
		_, _, err := Request(ChatToMessages, []byte(body), Options{})
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, "not a JSON object") {
			t.Fatalf("error %v, want a 400 for the arguments", err)
		}
	})

	t.Run("responses function call arguments", func(t *testing.T) {
		body := `{"input":[{"type":"function_call","call_id":"c1","name":"f","arguments":` + strconv.Quote(deep) + `}]}`
		out, _, err := Request(ResponsesToMessages, []byte(body), Options{})
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != 400 {
			t.Fatalf("got %.200s, error %v; want a 400", out, err)
		}
	})

	t.Run("carried thinking block", func(t *testing.T) {
		if _, ok := carriedThinking(thinkingCarrier + base64.StdEncoding.EncodeToString([]byte(deep))); ok {
			t.Fatal("a deep block was taken as a carried thinking block")
		}
	})

	t.Run("upstream event", func(t *testing.T) {
		deep := deepJSON((MaxEventBytes - 64) / 2) // the largest event the parser passes on
		for _, tc := range []struct {
			x    Exchange
			body string
		}{
			{Exchange{Pair: ChatToMessages}, "event: content_block_delta\ndata: " + deep + "\n\n"},
			{Exchange{Pair: MessagesToChat}, "data: " + deep + "\n\n"},
			{Exchange{Pair: ResponsesToMessages}, "event: content_block_delta\ndata: " + deep + "\n\n"},
		} {
			var s sink
			out, err := NewResponse(tc.x, FramingSSE, &s).Translate([]byte(tc.body), true)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(string(out), "could not be translated") {
				t.Errorf("%v: error %v, output %.200q; want the client's error event", tc.x.Pair, err, out)
			}
		}
	})

	t.Run("upstream error body", func(t *testing.T) {
		out := ReshapeError(ChatToMessages, 500, []byte(deep))
		if len(out) == 0 || !strings.Contains(string(out), "error") {
			t.Errorf("reshaped %.200q", out)
		}
	})
}
