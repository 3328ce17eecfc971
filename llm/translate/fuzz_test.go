package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/llm/api"
)

// FuzzRequest translates arbitrary JSON bodies in every supported direction. Whatever the input: no panic;
// either a 400 (*api.Error) or a valid JSON object.
func FuzzRequest(f *testing.F) {
	for _, tc := range goldenCases {
		if p := filepath.Join("testdata", tc.file+".json"); tc.opts.Model != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			for w := range uint8(3) {
				f.Add(b, w)
			}
		}
	}
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,\u0041"}}]}]}`), uint8(0))
	f.Add([]byte(`{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"b","input":"x"}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}]}`), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		if !json.Valid(body) {
			return // extproc refuses it before routing
		}
		pair := []Pair{ChatToMessages, MessagesToChat, ResponsesToMessages}[which%3]
		opts := Options{Model: "up", ImageURLs: which&4 != 0}
		in := bytes.Clone(body)
		out, _, err := Request(pair, in, opts)
		if !bytes.Equal(in, body) {
			t.Fatal("the input was changed")
		}
		if err != nil {
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("error %v is not a 400", err)
			}
			return
		}
		if !json.Valid(out) || out[0] != '{' {
			t.Fatalf("output is not a JSON object:\nin:  %s\nout: %s", body, out)
		}
	})
}

// FuzzStream translates arbitrary upstream streams and bodies, split at an arbitrary
// byte, for every supported direction. Whatever the input: no panic, the same output
// whatever the split, every event the client gets is JSON (or [DONE]), and an error
// ends the output.
func FuzzStream(f *testing.F) {
	for _, tc := range goldenCases {
		if tc.x.Pair == (Pair{}) {
			continue
		}
		ext := ".sse"
		if tc.x.Stream == false {
			ext = ".json"
		}
		b, err := os.ReadFile(filepath.Join("testdata", tc.file+ext))
		if err != nil {
			f.Fatal(err)
		}
		for w := range uint8(6) {
			f.Add(b, w, uint16(len(b)/2))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8, split uint16) {
		x := Exchange{Pair: []Pair{ChatToMessages, MessagesToChat, ResponsesToMessages}[which%3],
			ClientModel: "m", Stream: true, IncludeUsage: which&8 != 0, tools: toolKinds{"apply_patch": customTool, "local_shell": shellTool}}
		framing := FramingSSE
		if which%6 >= 3 {
			framing = FramingJSON
		}
		at := int(split) % (len(body) + 1)
		whole, err1 := translateAll(x, framing, &sink{}, body)
		parts, err2 := translateAll(x, framing, &sink{}, body, at)
		if framing == FramingSSE && (!bytes.Equal(whole, parts) || (err1 == nil) != (err2 == nil)) {
			t.Fatalf("split at %d changes the output:\n%s\n%s", at, whole, parts)
		}
		if framing == FramingJSON {
			if err1 == nil && !json.Valid(whole) {
				t.Fatalf("body is not JSON: %s", whole)
			}
			return
		}
		for _, d := range sseData(whole) {
			if string(d) != "[DONE]" && !json.Valid(d) {
				t.Fatalf("event is not JSON: %s\nin: %q", d, body)
			}
		}
	})
}
