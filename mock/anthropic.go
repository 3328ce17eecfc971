package mock

import (
	"fmt"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// Anthropic Messages wire shapes (only what the mock sends).
type (
	anthropicMessage struct {
		ID           string          `json:"id"`
		Type         string          `json:"type"`
		Role         string          `json:"role"`
		Model        string          `json:"model"`
		Content      []anthropicText `json:"content"`
		StopReason   *string         `json:"stop_reason"`
		StopSequence *string         `json:"stop_sequence"`
		Usage        anthropicUsage  `json:"usage"`
	}
	anthropicText struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	anthropicUsage struct {
		InputTokens              int64                  `json:"input_tokens"`
		CacheCreationInputTokens int64                  `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     int64                  `json:"cache_read_input_tokens"`
		CacheCreation            *anthropicCacheCreated `json:"cache_creation,omitempty"`
		OutputTokens             int64                  `json:"output_tokens"`
		ServiceTier              string                 `json:"service_tier,omitempty"`
	}
	anthropicCacheCreated struct {
		Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
		Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
	}
	anthropicEvent struct {
		Type         string            `json:"type"`
		Message      *anthropicMessage `json:"message,omitempty"`
		Index        *int              `json:"index,omitempty"`
		ContentBlock *anthropicText    `json:"content_block,omitempty"`
		Delta        any               `json:"delta,omitempty"`
		Usage        *anthropicUsage   `json:"usage,omitempty"`
	}
	anthropicStop struct {
		StopReason   string  `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
	}
	anthropicTextDelta struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
)

const anthropicEndTurn = "end_turn"

func init() {
	prompt := []string{"system", "messages", "tools"}
	register(endpoint{"/v1/messages", api.AnthropicMessages, prompt, (*Handler).anthropicMessages})
	register(endpoint{"/v1/messages/count_tokens", api.AnthropicCountTokens, prompt, (*Handler).anthropicCountTokens})
}

// anthropicUsageOf renders u as a Messages usage object; output is the output count so far.
func anthropicUsageOf(u usage.Usage, output int64) anthropicUsage {
	return anthropicUsage{
		InputTokens:              u.Input,
		CacheCreationInputTokens: u.CacheWrite,
		CacheReadInputTokens:     u.CacheRead,
		CacheCreation: &anthropicCacheCreated{
			Ephemeral5m: u.CacheWrite - u.CacheWrite1h,
			Ephemeral1h: u.CacheWrite1h,
		},
		OutputTokens: output,
		ServiceTier:  "standard",
	}
}

// anthropicMessages answers POST /v1/messages.
func (h *Handler) anthropicMessages(s *writer, req *request) {
	msg := &anthropicMessage{
		ID:      fmt.Sprintf("msg_mock%08d", req.seq),
		Type:    "message",
		Role:    "assistant",
		Model:   req.model,
		Content: []anthropicText{},
		Usage:   anthropicUsageOf(req.usage, req.usage.Output),
	}
	if !req.stream {
		stop := anthropicEndTurn
		msg.StopReason = &stop
		msg.Content = append(msg.Content, anthropicText{Type: "text", Text: Reply(h.opts)})
		s.json(msg)
		return
	}
	msg.Usage.OutputTokens = min(1, req.usage.Output)
	zero := 0
	s.startStream()
	s.event("message_start", anthropicEvent{Type: "message_start", Message: msg})
	s.event("content_block_start", anthropicEvent{Type: "content_block_start", Index: &zero,
		ContentBlock: &anthropicText{Type: "text"}})
	s.event("ping", anthropicEvent{Type: "ping"})
	delta := anthropicEvent{Type: "content_block_delta", Index: &zero}
	for i := 0; i < int(req.usage.Output) && s.err == nil; i++ {
		s.wait(h.opts.ChunkDelay)
		delta.Delta = anthropicTextDelta{Type: "text_delta", Text: replyWord(i)}
		s.event("content_block_delta", delta)
	}
	s.event("content_block_stop", anthropicEvent{Type: "content_block_stop", Index: &zero})
	final := anthropicUsageOf(req.usage, req.usage.Output)
	final.CacheCreation, final.ServiceTier = nil, ""
	s.event("message_delta", anthropicEvent{Type: "message_delta",
		Delta: anthropicStop{StopReason: anthropicEndTurn}, Usage: &final})
	s.event("message_stop", anthropicEvent{Type: "message_stop"})
}

// anthropicCountTokens answers POST /v1/messages/count_tokens.
func (h *Handler) anthropicCountTokens(s *writer, req *request) {
	s.json(struct {
		InputTokens int64 `json:"input_tokens"`
	}{req.usage.Input})
}
