package jsonlimit

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/tidwall/gjson"
)

// scanCases are documents and whether encoding/json accepts them: Scan must agree.
var scanCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `true`, `false`, `null`, ` {"a" : [1, 2.0, -3e+4, "x"] } `,
	`{"model":"gpt-5.1","stream":true,"messages":[{"role":"user","content":"hi \"there\" \\ \/ \b\f\n\r\t \u00e9 \uD83D\uDE00"}]}`,
	"\"\xff\xfe\"", "\"caf\xc3\xa9\"", // bytes ≥ 0x80 are not checked for UTF-8, as encoding/json does not
	`{"a":{"b":{"c":[[],{},[{}]]}}}`, `[1,[2,[3,[4]]]]`, "\t\r\n [ ] \n",
	``, ` `, `{`, `}`, `[`, `]`, `{]`, `[}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`,
	`{a:1}`, `{'a':1}`, `{"a":1}}`, `{"a":1}x`, `[1] [2]`, `"abc`, `"a\"`, `"\x"`, `"\u12"`, `"\u12G4"`, `"\`,
	"\"a\x00b\"", "\"a\x1fb\"", "\"tab\there\"", `01`, `-`, `-a`, `1.`, `.5`, `1e`, `1e+`, `+1`, `1.5.2`, `0x10`,
	`tru`, `truex`, `nul`, `nulll`, `True`, `NaN`, `Infinity`, "\ufeff{}", `{"a":1}` + "\x00",
	`{"a":"` + strings.Repeat("0123456789abcdef", 40) + `"}`, `{"a":"` + strings.Repeat("x", 37) + "\x01" + `"}`,
	`["` + strings.Repeat(`\"`, 9) + `"]`, `["` + strings.Repeat(`\\`, 9) + `"]`, `["` + strings.Repeat(`\\`, 9) + `\"]`,
}

func TestScanAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range scanCases {
		err := Scan([]byte(doc), MaxDepth, nil)
		if want := json.Valid([]byte(doc)); (err == nil) != want {
			t.Errorf("Scan(%q) = %v; encoding/json.Valid = %v", doc, err, want)
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("Scan(%q) = %v, not a *SyntaxError", doc, err)
		}
		// Every split of the document's string fast path: the same verdict whatever the
		// alignment of its special bytes.
		for pad := 1; pad < 9 && strings.HasPrefix(doc, `"`); pad++ {
			padded := `"` + strings.Repeat("p", pad) + doc[1:]
			if got, want := Scan([]byte(padded), MaxDepth, nil) == nil, json.Valid([]byte(padded)); got != want {
				t.Errorf("Scan(%q) valid=%v; encoding/json.Valid = %v", padded, got, want)
			}
		}
	}
}

func TestScanDepth(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	objects := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	tests := []struct {
		name string
		in   string
		max  int
		want string // "" valid, "depth", "syntax"
	}{
		{"exactly max", nested(5), 5, ""},
		{"one over", nested(6), 5, "depth"},
		{"objects count too", objects(3), 2, "depth"},
		{"brackets in strings do not count", `{"a":"[[[[[[[[{{{{{{"}`, 1, ""},
		{"siblings do not add up", `[[1],[2],[3],[4]]`, 2, ""},
		{"ten thousand is the default", nested(MaxDepth), MaxDepth, ""},
		{"ten thousand objects", objects(MaxDepth), MaxDepth, ""},
		{"one past the default", nested(MaxDepth + 1), MaxDepth, "depth"},
		{"too deep before it is invalid", nested(MaxDepth+1) + "x", MaxDepth, "depth"},
		{"invalid before it is too deep", "[x" + nested(MaxDepth+1), MaxDepth, "syntax"},
		{"a larger limit than the default", nested(MaxDepth + 70), MaxDepth + 70, ""},
		{"past a larger limit", nested(MaxDepth + 71), MaxDepth + 70, "depth"},
		{"unterminated deep", strings.Repeat("[", 20000), MaxDepth, "depth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Scan([]byte(tc.in), tc.max, nil)
			var de *DepthError
			var se *SyntaxError
			switch {
			case tc.want == "" && err != nil, tc.want == "depth" && (!errors.As(err, &de) || de.Max != tc.max),
				tc.want == "syntax" && !errors.As(err, &se):
				t.Fatalf("Scan = %v, want %s", err, tc.want)
			}
		})
	}
}

// TestScanTenMillionLevels: the body that once crashed the gateway is refused at once,
// on a small stack.
func TestScanTenMillionLevels(t *testing.T) {
	const depth = 10_000_000
	doc := []byte(`{"model":"m","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
	var de *DepthError
	if err := Scan(doc, MaxDepth, nil); !errors.As(err, &de) || de.Offset != len(`{"model":"m","x":`)+MaxDepth-1 {
		t.Fatalf("Scan = %v", err)
	}
}

func TestScanMembers(t *testing.T) {
	type m struct{ k, v string }
	tests := []struct {
		in   string
		want []m
	}{
		{`{"model":"gpt-5.1","stream":true,"n":-1.5e3,"o":{"a":[1,{"model":"inner"}]},"e":[],"s":"x\"y","z":null}`,
			[]m{{`"model"`, `"gpt-5.1"`}, {`"stream"`, `true`}, {`"n"`, `-1.5e3`}, {`"o"`, `{"a":[1,{"model":"inner"}]}`},
				{`"e"`, `[]`}, {`"s"`, `"x\"y"`}, {`"z"`, `null`}}},
		{" { \"mod\\u0065l\" :\t\"a\" , \"model\" : {} } ", []m{{`"mod\u0065l"`, `"a"`}, {`"model"`, `{}`}}},
		{`{}`, nil},
		{`[{"model":"x"}]`, nil},
		{`"model"`, nil},
	}
	for _, tt := range tests {
		var got []m
		if err := Scan([]byte(tt.in), MaxDepth, func(k, v []byte) { got = append(got, m{string(k), string(v)}) }); err != nil {
			t.Fatalf("Scan(%s): %v", tt.in, err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("Scan(%s) members %q, want %q", tt.in, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Scan(%s) member %d = %q, want %q", tt.in, i, got[i], tt.want[i])
			}
		}
		// The values are what gjson reads for the same keys.
		for _, mm := range got {
			if k := gjson.Parse(mm.k).Str; k == "model" && gjson.Get(tt.in, "model").Raw != mm.v && !strings.Contains(tt.in, `\u`) {
				t.Errorf("gjson reads model %s, Scan %s", gjson.Get(tt.in, "model").Raw, mm.v)
			}
		}
	}
}

func TestScanDoesNotAllocate(t *testing.T) {
	doc := []byte(`{"model":"gpt-5.1","stream":true,"messages":[{"role":"user","content":"` + strings.Repeat("hello ", 100) + `"}]}`)
	var model []byte
	n := testing.AllocsPerRun(100, func() {
		_ = Scan(doc, MaxDepth, func(k, v []byte) {
			if string(k) == `"model"` {
				model = v
			}
		})
	})
	if n != 0 || string(model) != `"gpt-5.1"` {
		t.Errorf("%v allocations per Scan (model %s)", n, model)
	}
}

// FuzzScan holds Scan to encoding/json.Valid: the same verdict on every input (inputs
// nested past MaxDepth are invalid to both), and the members it reports are the
// top-level members encoding/json decodes. Seeds: testdata/fuzz/FuzzScan and scanCases.
func FuzzScan(f *testing.F) {
	for _, s := range scanCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var keys []string
		err := Scan(doc, MaxDepth, func(k, v []byte) {
			if !json.Valid(k) || !json.Valid(v) {
				t.Fatalf("member %q: %q is not a key and a value", k, v)
			}
			var s string
			if err := json.Unmarshal(k, &s); err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
			keys = append(keys, s)
		})
		valid := json.Valid(doc)
		if (err == nil) != valid {
			t.Fatalf("Scan(%q) = %v; encoding/json.Valid = %v", doc, err, valid)
		}
		if !valid {
			return
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(doc, &obj) != nil {
			if len(keys) != 0 {
				t.Fatalf("not an object, but members %q", keys)
			}
			return
		}
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				t.Fatalf("member %q is not in the object", k)
			}
		}
		if len(obj) > len(keys) {
			t.Fatalf("members %q, object has %d keys", keys, len(obj))
		}
	})
}

// A 5 MiB body, almost all one base64 string (a pasted screenshot), and a 200 KiB
// conversation: the old pair of passes against the one.
func benchBodies() map[string][]byte {
	img := make([]byte, 5<<20/4*3)
	for i := range img {
		img[i] = byte(i * 7919)
	}
	conv := `{"model":"claude-sonnet-4-5","stream":true,"messages":[`
	for len(conv) < 200<<10 {
		conv += `{"role":"user","content":[{"type":"text","text":"Read the file and explain what the function does, line by line. \"quoted\"\n"}]},`
	}
	return map[string][]byte{
		"5MB": []byte(`{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"` +
			base64.StdEncoding.EncodeToString(img) + `"}}]}]}`),
		"200KB": []byte(conv + `{"role":"user","content":"go on"}]}`),
	}
}

// cpuPerOp reports the process's CPU time per operation (cpu-ns/op) next to the wall
// time: on a machine busy with other work, wall time per operation says little.
func cpuPerOp(b *testing.B) func() {
	cpu := func() int64 {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return ru.Utime.Nano() + ru.Stime.Nano()
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

func BenchmarkScan(b *testing.B) {
	for name, doc := range benchBodies() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				if err := Scan(doc, MaxDepth, func(k, v []byte) {}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckDepthThenGJSONValid(b *testing.B) {
	for name, doc := range benchBodies() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				if CheckDepth(doc, MaxDepth) != nil || !gjson.ValidBytes(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
