package usage

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// gemini reads the usage of Gemini's native API: generateContent, and
// streamGenerateContent as SSE (alt=sse: one GenerateContentResponse per data line) or,
// without alt=sse, as one JSON array of them. Vertex AI's publishers/google models answer
// in the same shape. Every chunk of a stream repeats usageMetadata with the counts so
// far; the last one is the total, so each replaces the one before.
type gemini struct {
	u       Usage
	seen    bool
	content bool
}

func (e *gemini) Event(_ string, data []byte) bool {
	if hasObjectField(data, `"usageMetadata"`) {
		if u := gjson.GetBytes(data, "usageMetadata"); u.IsObject() {
			e.u, e.seen = geminiUsage(u), true
		}
	}
	if e.content || !bytes.Contains(data, []byte(`"parts"`)) {
		return false
	}
	if geminiHasContent(data) {
		e.content = true
		return true
	}
	return false
}

// Body reads a whole answer: one GenerateContentResponse, or the JSON array a stream
// without alt=sse is (the last element with usageMetadata counts).
func (e *gemini) Body(body []byte) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		all := gjson.GetBytes(body, "#.usageMetadata").Array()
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].IsObject() {
				e.u, e.seen = geminiUsage(all[i]), true
				return
			}
		}
		return
	}
	if u := gjson.GetBytes(body, "usageMetadata"); u.IsObject() {
		e.u, e.seen = geminiUsage(u), true
	}
}

func (e *gemini) Usage() Usage { return e.u }
func (e *gemini) Seen() bool   { return e.seen }

// geminiHasContent reports whether a chunk carries generated output: a candidate part
// with text (a thought summary included) or with any member besides text, thought and
// thoughtSignature (a function call, code, inline data).
func geminiHasContent(data []byte) bool {
	found := false
	gjson.GetBytes(data, "candidates").ForEach(func(_, c gjson.Result) bool {
		c.Get("content.parts").ForEach(func(_, p gjson.Result) bool {
			p.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "text":
					found = v.Str != ""
				case "thought", "thoughtSignature":
				default:
					found = true
				}
				return !found
			})
			return !found
		})
		return !found
	})
	return found
}

// geminiUsage normalises a usageMetadata object (google.golang.org/genai
// GenerateContentResponseUsageMetadata; totalTokenCount = prompt + candidates +
// toolUsePrompt + thoughts):
//   - promptTokenCount includes the cached tokens (cachedContentTokenCount), which are
//     billed at the cache-read price: input = prompt − cached, cache_read = cached;
//   - toolUsePromptTokenCount, the results of Google's own tools (Search grounding, code
//     execution, URL context) fed back to the model, is not part of promptTokenCount and
//     is billed at the input price, so it is added to input;
//   - candidatesTokenCount excludes the thinking tokens (thoughtsTokenCount), which are
//     billed as output: output = candidates + thoughts, reasoning = thoughts.
//
// Gemini writes no cache through the API's usage (explicit caches are created and
// billed apart, by the hour), so cache_write is 0.
func geminiUsage(u gjson.Result) Usage {
	prompt := u.Get("promptTokenCount").Int()
	cached := u.Get("cachedContentTokenCount").Int()
	thoughts := u.Get("thoughtsTokenCount").Int()
	return Usage{
		Input:     nonNegative(prompt-cached) + nonNegative(u.Get("toolUsePromptTokenCount").Int()),
		Output:    u.Get("candidatesTokenCount").Int() + thoughts,
		CacheRead: cached,
		Reasoning: thoughts,
	}
}
