package mock

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// Gemini's native API wire shapes (only what the mock sends), as google.golang.org/genai
// declares them (GenerateContentResponse, GenerateContentResponseUsageMetadata,
// CountTokensResponse).
type (
	geminiResponse struct {
		Candidates    []geminiCandidate `json:"candidates"`
		UsageMetadata geminiUsage       `json:"usageMetadata"`
		ModelVersion  string            `json:"modelVersion"`
		ResponseID    string            `json:"responseId"`
	}
	geminiCandidate struct {
		Content      geminiContent `json:"content"`
		FinishReason string        `json:"finishReason,omitempty"`
		Index        int           `json:"index"`
	}
	geminiContent struct {
		Parts []geminiPart `json:"parts"`
		Role  string       `json:"role"`
	}
	geminiPart struct {
		Text    string `json:"text"`
		Thought bool   `json:"thought,omitempty"`
	}
	geminiUsage struct {
		PromptTokenCount        int64              `json:"promptTokenCount"`
		CandidatesTokenCount    int64              `json:"candidatesTokenCount,omitempty"`
		TotalTokenCount         int64              `json:"totalTokenCount"`
		CachedContentTokenCount int64              `json:"cachedContentTokenCount,omitempty"`
		PromptTokensDetails     []geminiModalities `json:"promptTokensDetails"`
		ThoughtsTokenCount      int64              `json:"thoughtsTokenCount,omitempty"`
	}
	geminiModalities struct {
		Modality   string `json:"modality"`
		TokenCount int64  `json:"tokenCount"`
	}
	geminiCount struct {
		TotalTokens         int64              `json:"totalTokens"`
		PromptTokensDetails []geminiModalities `json:"promptTokensDetails"`
	}
)

func init() {
	prompt := []string{"contents", "systemInstruction", "tools"}
	registerModelMethod("generateContent", endpoint{"", api.GeminiGenerateContent, prompt, (*Handler).geminiGenerate})
	registerModelMethod("streamGenerateContent", endpoint{"", api.GeminiStreamGenerateContent, prompt, (*Handler).geminiGenerate})
	// countTokens takes either contents or a whole generateContentRequest.
	registerModelMethod("countTokens", endpoint{"", api.GeminiCountTokens,
		append(prompt, "generateContentRequest.contents", "generateContentRequest.systemInstruction",
			"generateContentRequest.tools"), (*Handler).geminiCountTokens})
}

// geminiThought is the thought summary sent when the request asks for thoughts.
const geminiThought = "**Answering**\n\nThe mock answers every request with the same words."

// geminiUsageOf renders u as usageMetadata with candidates output tokens so far.
func geminiUsageOf(u usage.Usage, candidates int64) geminiUsage {
	prompt := u.Input + u.CacheRead
	return geminiUsage{
		PromptTokenCount: prompt, CandidatesTokenCount: candidates, CachedContentTokenCount: u.CacheRead,
		ThoughtsTokenCount: u.Reasoning, TotalTokenCount: prompt + candidates + u.Reasoning,
		PromptTokensDetails: []geminiModalities{{Modality: "TEXT", TokenCount: prompt}},
	}
}

// geminiGenerate answers :generateContent with one GenerateContentResponse and
// :streamGenerateContent with one per word: SSE events (data lines ending in CRLF CRLF)
// with ?alt=sse, else one JSON array written element by element. Every chunk carries
// usageMetadata with the counts so far; the last one, with finishReason STOP, has the
// totals. A request whose generationConfig.thinkingConfig.includeThoughts is true first
// gets a thought summary part.
func (h *Handler) geminiGenerate(s *writer, req *request) {
	u := req.usage
	resp := &geminiResponse{ModelVersion: req.model, ResponseID: fmt.Sprintf("mock-gemini-%08d", req.seq)}
	thought := gjson.GetBytes(req.body, "generationConfig.thinkingConfig.includeThoughts").Bool()
	candidates := u.Output - u.Reasoning
	if !req.stream {
		var parts []geminiPart
		if thought {
			parts = append(parts, geminiPart{Text: geminiThought, Thought: true})
		}
		parts = append(parts, geminiPart{Text: Reply(h.opts)})
		resp.Candidates = []geminiCandidate{{Content: geminiContent{Parts: parts, Role: "model"}, FinishReason: "STOP"}}
		resp.UsageMetadata = geminiUsageOf(u, candidates)
		s.json(resp)
		return
	}
	first := true
	send := func() {
		switch {
		case req.sse:
			s.sseLine(resp, "\r\n\r\n")
		case first:
			s.rawJSON("[", resp)
		default:
			s.rawJSON(",\r\n", resp)
		}
		first = false
	}
	if req.sse {
		s.startStream()
	} else {
		s.startJSONStream()
	}
	if thought {
		resp.Candidates = []geminiCandidate{{Content: geminiContent{Parts: []geminiPart{{Text: geminiThought, Thought: true}}, Role: "model"}}}
		resp.UsageMetadata = geminiUsageOf(u, 0)
		send()
	}
	for i := int64(0); i < candidates && s.err == nil; i++ {
		s.wait(h.opts.ChunkDelay)
		c := geminiCandidate{Content: geminiContent{Parts: []geminiPart{{Text: replyWord(int(i))}}, Role: "model"}}
		if i == candidates-1 {
			c.FinishReason = "STOP"
		}
		resp.Candidates = []geminiCandidate{c}
		resp.UsageMetadata = geminiUsageOf(u, i+1)
		send()
	}
	if !req.sse && s.err == nil {
		s.write([]byte("]"))
	}
}

// geminiCountTokens answers :countTokens with the prompt's size.
func (h *Handler) geminiCountTokens(s *writer, req *request) {
	s.json(geminiCount{TotalTokens: req.usage.Input,
		PromptTokensDetails: []geminiModalities{{Modality: "TEXT", TokenCount: req.usage.Input}}})
}

// geminiExpected is ExpectedUsage for the Gemini API (see ExpectedUsage): total is the
// prompt size I, words the reply's.
func geminiExpected(apiName string, body []byte, total int64, words int) usage.Usage {
	if apiName == api.GeminiCountTokens.String() {
		return usage.Usage{Input: total}
	}
	u := usage.Usage{Input: total, Output: int64(words)}
	if gjson.GetBytes(body, "cachedContent").Type == gjson.String {
		u.CacheRead = total / 2
		u.Input -= u.CacheRead
	}
	if gjson.GetBytes(body, "generationConfig.thinkingConfig").IsObject() &&
		gjson.GetBytes(body, "generationConfig.thinkingConfig.thinkingBudget").Raw != "0" {
		u.Reasoning = int64(words+1) / 2
		u.Output += u.Reasoning
	}
	return u
}

// googleCredential is the key of a Gemini request: x-goog-api-key, else ?key=, else a
// bearer token (Vertex AI).
func googleCredential(r *http.Request) string {
	if k := r.Header.Get("X-Goog-Api-Key"); k != "" {
		return k
	}
	if k := r.URL.Query().Get("key"); k != "" {
		return k
	}
	const prefix = "bearer "
	if a := r.Header.Get("Authorization"); len(a) > len(prefix) && strings.EqualFold(a[:len(prefix)], prefix) {
		return strings.TrimSpace(a[len(prefix):])
	}
	return ""
}
