package mock

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

var (
	cacheControl = []byte(`"cache_control"`)
	ttlOneHour   = regexp.MustCompile(`"ttl"\s*:\s*"1h"`)
)

// ExpectedUsage is the usage the mock reports for a request body sent to the API named
// apiName, one of the api.Kind names: "anthropic_messages", "anthropic_count_tokens",
// "openai_chat", "openai_responses", "gemini_generate_content",
// "gemini_stream_generate_content" or "gemini_count_tokens" (any other name yields zero
// usage).
//
// The prompt size P is the sum of the raw JSON lengths of the prompt fields (Anthropic:
// system, messages, tools; Chat Completions: messages, tools; Responses: instructions,
// input, tools; Gemini: contents, systemInstruction, tools, and for countTokens the same
// inside generateContentRequest) and the total input is I = max(1, ceil(P/4)). Output
// is opts.Words (or DefaultWords). For Anthropic Messages, when the body contains
// "cache_control" anywhere, CacheRead = I/2 and CacheWrite = I/4 (integer division) and
// Input is the rest; the write is all one-hour cache when a "ttl": "1h" appears, else all
// 5-minute cache. For Gemini, a top-level "cachedContent" string makes CacheRead = I/2
// (Input the rest), and a generationConfig.thinkingConfig object (without
// "thinkingBudget": 0) makes Reasoning = ceil(Words/2), added to Output. Count-tokens
// reports Input = I alone. OpenAI usage never has cached or reasoning tokens.
func ExpectedUsage(apiName string, body []byte, opts Options) usage.Usage {
	fields, ok := promptFields[apiName]
	if !ok {
		return usage.Usage{}
	}
	var n int64
	for _, r := range gjson.GetManyBytes(body, fields...) {
		n += int64(len(r.Raw))
	}
	total := max(1, (n+3)/4)
	if strings.HasPrefix(apiName, "gemini_") {
		return geminiExpected(apiName, body, total, opts.words())
	}
	if apiName == api.AnthropicCountTokens.String() {
		return usage.Usage{Input: total}
	}
	u := usage.Usage{Input: total, Output: int64(opts.words())}
	if apiName == api.AnthropicMessages.String() && bytes.Contains(body, cacheControl) {
		u.CacheRead, u.CacheWrite = total/2, total/4
		u.Input = total - u.CacheRead - u.CacheWrite
		if ttlOneHour.Match(body) {
			u.CacheWrite1h = u.CacheWrite
		}
	}
	return u
}

// vocabulary is cycled through to build replies.
var vocabulary = [...]string{
	"the", "mock", "provider", "answers", "every", "request", "with", "these", "same", "words",
}

// Reply is the text of every reply with the given options: opts.Words (or DefaultWords)
// words separated by single spaces.
func Reply(opts Options) string {
	var b strings.Builder
	for i := range opts.words() {
		b.WriteString(replyWord(i))
	}
	return b.String()
}

// replyWord is the i-th piece of the reply as streamed: the word, preceded by a space
// after the first.
func replyWord(i int) string {
	if i == 0 {
		return vocabulary[0]
	}
	return spacedVocabulary[i%len(vocabulary)]
}

var spacedVocabulary = func() (s [len(vocabulary)]string) {
	for i, w := range vocabulary {
		s[i] = " " + w
	}
	return s
}()
