package usage_test

// The SDK check of the Gemini fixtures: google.golang.org/genai, Google's Gen AI SDK for
// Go (the counterpart of the JavaScript SDK that Gemini CLI is built on), reads each one
// as the answer of a fake transport, with its own stream splitter and its own
// converters, and the fixture's members are checked against the SDK's types.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/genai"

	"github.com/tollgate/tollgate/llm/usage"
)

func genaiClient(t *testing.T, rt *replayTransport) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: "fixture-key", Backend: genai.BackendGeminiAPI,
		HTTPClient:  &http.Client{Transport: rt},
		HTTPOptions: genai.HTTPOptions{BaseURL: "https://generativelanguage.googleapis.com/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkGemini decodes a generateContent answer (stream=false) or a streamGenerateContent
// SSE body. The SDK's splitter (api_client.go, iterateResponseStream) takes every line
// that is not `data:` for an error, and Gemini sends no SSE comments, so the fixture's
// provenance comment is removed before the SDK reads it.
func sdkGemini(t *testing.T, body []byte, stream bool) sdkRead {
	t.Helper()
	ctx := context.Background()
	var got sdkRead
	if !stream {
		c := genaiClient(t, replay("application/json", body))
		resp, err := c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("hi"), nil)
		if err != nil {
			t.Fatalf("SDK: %v", err)
		}
		got.problems = genaiSchemaProblems(body, reflect.TypeFor[genai.GenerateContentResponse](), "body")
		got.usage, got.seen = fromGenai(resp.UsageMetadata)
		return got
	}
	body = withoutSSEComments(body)
	rt := replay("text/event-stream", body)
	c := genaiClient(t, rt)
	for resp, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-pro", genai.Text("hi"), nil) {
		if err != nil {
			got.err = err
			break
		}
		if resp.UsageMetadata != nil {
			got.usage, got.seen = fromGenai(resp.UsageMetadata)
		}
	}
	if !strings.HasSuffix(rt.path, ":streamGenerateContent") {
		t.Errorf("the SDK asked for %s", rt.path)
	}
	for i, line := range bytes.Split(body, []byte("\n")) {
		if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("data: ")); ok {
			got.problems = append(got.problems, genaiSchemaProblems(data, reflect.TypeFor[genai.GenerateContentResponse](), fmt.Sprintf("line %d", i+1))...)
		}
	}
	return got
}

// fromGenai normalises the SDK's usage as usage.Usage documents (see llm/usage/gemini.go).
func fromGenai(u *genai.GenerateContentResponseUsageMetadata) (usage.Usage, bool) {
	if u == nil {
		return usage.Usage{}, false
	}
	return usage.Usage{
		Input:     int64(u.PromptTokenCount-u.CachedContentTokenCount) + int64(u.ToolUsePromptTokenCount),
		Output:    int64(u.CandidatesTokenCount + u.ThoughtsTokenCount),
		CacheRead: int64(u.CachedContentTokenCount),
		Reasoning: int64(u.ThoughtsTokenCount),
	}, true
}

func withoutSSEComments(body []byte) []byte {
	var out [][]byte
	skipBlank := false
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		switch {
		case bytes.HasPrefix(line, []byte(":")):
			skipBlank = true
			continue
		case skipBlank && len(bytes.TrimSpace(line)) == 0:
			skipBlank = false
			continue
		}
		skipBlank = false
		out = append(out, line)
	}
	return bytes.Join(out, nil)
}

// genaiSchemaProblems checks a JSON value against the Go type the SDK decodes it into:
// every object member must be a field of the struct (by its json name) and every value
// of the field's JSON kind. The SDK's types keep no record of unknown members, so the
// JSON is walked next to the type instead.
func genaiSchemaProblems(raw []byte, typ reflect.Type, path string) []string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return []string{path + ": " + err.Error()}
	}
	var out []string
	walkGenai(v, typ, path, &out)
	sort.Strings(out)
	return out
}

var timeType = reflect.TypeFor[time.Time]()

func walkGenai(v any, t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func() { *out = append(*out, fmt.Sprintf("%s: %v does not decode into %s", path, v, t)) }
	switch x := v.(type) {
	case nil:
	case map[string]any:
		switch {
		case t.Kind() == reflect.Map || t.Kind() == reflect.Interface:
		case t.Kind() != reflect.Struct:
			bad()
		default:
			fields := map[string]reflect.Type{}
			for i := range t.NumField() {
				if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
					fields[name] = t.Field(i).Type
				}
			}
			for k, fv := range x {
				ft, ok := fields[k]
				if !ok {
					*out = append(*out, fmt.Sprintf("%s.%s: not declared by %s", path, k, t))
					continue
				}
				walkGenai(fv, ft, path+"."+k, out)
			}
		}
	case []any:
		if t.Kind() != reflect.Slice || t.Elem().Kind() == reflect.Uint8 {
			if t.Kind() != reflect.Interface {
				bad()
			}
			return
		}
		for i, e := range x {
			walkGenai(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case string:
		ok := t.Kind() == reflect.String || t.Kind() == reflect.Interface || t == timeType ||
			(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8)
		if !ok {
			bad()
		}
	case json.Number:
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
			reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.Interface:
		default:
			bad()
		}
	case bool:
		if t.Kind() != reflect.Bool && t.Kind() != reflect.Interface {
			bad()
		}
	}
}

// TestGenaiSchemaCheckCatchesDrift: the Gemini schema check sees a misspelt member and a
// count of the wrong kind.
func TestGenaiSchemaCheckCatchesDrift(t *testing.T) {
	typ := reflect.TypeFor[genai.GenerateContentResponse]()
	for raw, want := range map[string]string{
		`{"usageMetadata":{"promptTokenCount":1,"candidatesTokenCont":2}}`: "x.usageMetadata.candidatesTokenCont: not declared",
		`{"usageMetadata":{"promptTokenCount":"1"}}`:                       "x.usageMetadata.promptTokenCount: 1 does not decode into int32",
		`{"candidates":[{"content":{"parts":[{"txt":"a"}]}}]}`:             "x.candidates[0].content.parts[0].txt: not declared",
	} {
		got := genaiSchemaProblems([]byte(raw), typ, "x")
		if len(got) != 1 || !strings.HasPrefix(got[0], want) {
			t.Errorf("%s: problems %q, want one starting %q", raw, got, want)
		}
	}
}
