package mock

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// OpenAI Chat Completions wire shapes (only what the mock sends).
type (
	chatCompletion struct {
		ID                string          `json:"id"`
		Object            string          `json:"object"`
		Created           int64           `json:"created"`
		Model             string          `json:"model"`
		Choices           []chatChoice    `json:"choices"`
		Usage             json.RawMessage `json:"usage,omitempty"`
		ServiceTier       string          `json:"service_tier"`
		SystemFingerprint *string         `json:"system_fingerprint"`
	}
	chatChoice struct {
		Index        int          `json:"index"`
		Message      *chatMessage `json:"message,omitempty"`
		Delta        *chatMessage `json:"delta,omitempty"`
		Logprobs     *struct{}    `json:"logprobs"`
		FinishReason *string      `json:"finish_reason"`
	}
	chatMessage struct {
		Role    string  `json:"role,omitempty"`
		Content *string `json:"content,omitempty"`
	}
	chatUsage struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		TotalTokens         int64 `json:"total_tokens"`
		PromptTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
			AudioTokens  int64 `json:"audio_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails struct {
			ReasoningTokens          int64 `json:"reasoning_tokens"`
			AudioTokens              int64 `json:"audio_tokens"`
			AcceptedPredictionTokens int64 `json:"accepted_prediction_tokens"`
			RejectedPredictionTokens int64 `json:"rejected_prediction_tokens"`
		} `json:"completion_tokens_details"`
	}
)

func init() {
	register(endpoint{"/v1/chat/completions", api.OpenAIChat, []string{"messages", "tools"}, (*Handler).openAIChat})
}

var (
	jsonNull = json.RawMessage("null")
	chatDone = []byte("data: [DONE]\n\n")
)

// chatUsageJSON renders u as a Chat Completions usage object.
func chatUsageJSON(u usage.Usage) json.RawMessage {
	var c chatUsage
	c.PromptTokens = u.Input + u.CacheRead + u.CacheWrite
	c.PromptTokensDetails.CachedTokens = u.CacheRead
	c.CompletionTokens = u.Output
	c.CompletionTokensDetails.ReasoningTokens = u.Reasoning
	c.TotalTokens = c.PromptTokens + c.CompletionTokens
	b, _ := json.Marshal(c) // plain integers always marshal
	return b
}

// openAIChat answers POST /v1/chat/completions. As OpenAI does, a stream carries usage
// only when stream_options.include_usage is true: then every chunk has "usage": null
// and one last chunk, with no choices, has the usage.
func (h *Handler) openAIChat(s *writer, req *request) {
	opts := gjson.GetBytes(req.body, "stream_options")
	if opts.Exists() && opts.Type != gjson.Null && !req.stream {
		writeError(s.w, api.OpenAIChat, api.Errorf(http.StatusBadRequest,
			"the 'stream_options' parameter is only allowed when 'stream' is enabled"))
		return
	}
	stop := "stop"
	c := &chatCompletion{
		ID:          fmt.Sprintf("chatcmpl-mock%08d", req.seq),
		Created:     req.created,
		Model:       req.model,
		ServiceTier: "default",
	}
	if !req.stream {
		text := Reply(h.opts)
		c.Object = "chat.completion"
		c.Choices = []chatChoice{{Message: &chatMessage{Role: "assistant", Content: &text}, FinishReason: &stop}}
		c.Usage = chatUsageJSON(req.usage)
		s.json(c)
		return
	}
	includeUsage := opts.Get("include_usage").Bool()
	c.Object = "chat.completion.chunk"
	if includeUsage {
		c.Usage = jsonNull
	}
	empty := ""
	choice := []chatChoice{{Delta: &chatMessage{Role: "assistant", Content: &empty}}}
	c.Choices = choice
	s.startStream()
	s.event("", c)
	for i := 0; i < int(req.usage.Output) && s.err == nil; i++ {
		s.wait(h.opts.ChunkDelay)
		word := replyWord(i)
		choice[0].Delta = &chatMessage{Content: &word}
		s.event("", c)
	}
	choice[0].Delta, choice[0].FinishReason = &chatMessage{}, &stop
	s.event("", c)
	if includeUsage {
		c.Choices, c.Usage = []chatChoice{}, chatUsageJSON(req.usage)
		s.event("", c)
	}
	if s.err == nil {
		s.write(chatDone)
	}
}
