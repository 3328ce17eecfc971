package mock

import (
	"fmt"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// OpenAI Responses wire shapes (only what the mock sends).
type (
	responseObject struct {
		ID                string          `json:"id"`
		Object            string          `json:"object"`
		CreatedAt         int64           `json:"created_at"`
		Status            string          `json:"status"`
		Error             *struct{}       `json:"error"`
		IncompleteDetails *struct{}       `json:"incomplete_details"`
		Model             string          `json:"model"`
		Output            []any           `json:"output"` // responseItem, compactionItem
		ParallelToolCalls bool            `json:"parallel_tool_calls"`
		ToolChoice        string          `json:"tool_choice"`
		Tools             []struct{}      `json:"tools"`
		Temperature       float64         `json:"temperature"`
		TopP              float64         `json:"top_p"`
		Text              responseFormat  `json:"text"`
		Truncation        string          `json:"truncation"`
		Metadata          struct{}        `json:"metadata"`
		Usage             *responsesUsage `json:"usage"`
	}
	responseFormat struct {
		Format struct {
			Type string `json:"type"`
		} `json:"format"`
	}
	responseItem struct {
		ID      string         `json:"id"`
		Type    string         `json:"type"`
		Status  string         `json:"status"`
		Role    string         `json:"role"`
		Content []responsePart `json:"content"`
	}
	responsePart struct {
		Type        string     `json:"type"`
		Text        string     `json:"text"`
		Annotations []struct{} `json:"annotations"`
		Logprobs    []struct{} `json:"logprobs"`
	}
	responsesUsage struct {
		InputTokens        int64 `json:"input_tokens"`
		InputTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"input_tokens_details"`
		OutputTokens        int64 `json:"output_tokens"`
		OutputTokensDetails struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"output_tokens_details"`
		TotalTokens int64 `json:"total_tokens"`
	}
	// Streaming events; each carries its type again and a sequence number.
	responseLifecycleEvent struct {
		Type     string          `json:"type"`
		Sequence int             `json:"sequence_number"`
		Response *responseObject `json:"response"`
	}
	responseItemEvent struct {
		Type        string `json:"type"`
		Sequence    int    `json:"sequence_number"`
		OutputIndex int    `json:"output_index"`
		Item        any    `json:"item"` // *responseItem, *compactionItem
	}
	responsePartEvent struct {
		Type         string        `json:"type"`
		Sequence     int           `json:"sequence_number"`
		ItemID       string        `json:"item_id"`
		OutputIndex  int           `json:"output_index"`
		ContentIndex int           `json:"content_index"`
		Part         *responsePart `json:"part"`
	}
	responseTextEvent struct {
		Type         string     `json:"type"`
		Sequence     int        `json:"sequence_number"`
		ItemID       string     `json:"item_id"`
		OutputIndex  int        `json:"output_index"`
		ContentIndex int        `json:"content_index"`
		Delta        *string    `json:"delta,omitempty"`
		Text         *string    `json:"text,omitempty"`
		Logprobs     []struct{} `json:"logprobs"`
	}
)

func init() {
	register(endpoint{"/v1/responses", api.OpenAIResponses, []string{"instructions", "input", "tools"}, (*Handler).openAIResponses})
}

// responsesUsageOf renders u as a Responses usage object.
func responsesUsageOf(u usage.Usage) *responsesUsage {
	r := &responsesUsage{InputTokens: u.Input + u.CacheRead + u.CacheWrite, OutputTokens: u.Output}
	r.InputTokensDetails.CachedTokens = u.CacheRead
	r.OutputTokensDetails.ReasoningTokens = u.Reasoning
	r.TotalTokens = r.InputTokens + r.OutputTokens
	return r
}

// openAIResponses answers POST /v1/responses. A stream is the full event sequence of
// one text message, ending with response.completed (which carries the usage) and no
// [DONE] line, as OpenAI sends it.
func (h *Handler) openAIResponses(s *writer, req *request) {
	text := Reply(h.opts)
	none := []struct{}{}
	part := responsePart{Type: "output_text", Text: text, Annotations: none, Logprobs: none}
	item := responseItem{
		ID:      fmt.Sprintf("msg_mock%08d", req.seq),
		Type:    "message",
		Status:  "completed",
		Role:    "assistant",
		Content: []responsePart{part},
	}
	resp := &responseObject{
		ID:                fmt.Sprintf("resp_mock%08d", req.seq),
		Object:            "response",
		CreatedAt:         req.created,
		Status:            "completed",
		Model:             req.model,
		Output:            []any{&item},
		ParallelToolCalls: true,
		ToolChoice:        "auto",
		Tools:             none,
		Temperature:       1,
		TopP:              1,
		Truncation:        "disabled",
		Usage:             responsesUsageOf(req.usage),
	}
	resp.Text.Format.Type = "text"
	var compaction *compactionItem // before the message when context_management asks for it
	if wantsCompaction(req.body) {
		c := newCompactionItem(req.seq)
		compaction = &c
		resp.Output = []any{compaction, &item}
	}
	msgIndex := len(resp.Output) - 1
	if !req.stream {
		s.json(resp)
		return
	}

	seq := 0
	emit := func(name string, v any) {
		s.event(name, v)
		seq++
	}
	started := *resp
	started.Status, started.Output, started.Usage = "in_progress", []any{}, nil
	openItem := item
	openItem.Status, openItem.Content = "in_progress", []responsePart{}
	openPart := part
	openPart.Text = ""

	s.startStream()
	emit("response.created", responseLifecycleEvent{"response.created", seq, &started})
	emit("response.in_progress", responseLifecycleEvent{"response.in_progress", seq, &started})
	if compaction != nil {
		emit("response.output_item.added", responseItemEvent{"response.output_item.added", seq, 0, compaction})
		emit("response.output_item.done", responseItemEvent{"response.output_item.done", seq, 0, compaction})
	}
	emit("response.output_item.added", responseItemEvent{"response.output_item.added", seq, msgIndex, &openItem})
	emit("response.content_part.added", responsePartEvent{"response.content_part.added", seq, item.ID, msgIndex, 0, &openPart})
	delta := responseTextEvent{Type: "response.output_text.delta", ItemID: item.ID, OutputIndex: msgIndex, Logprobs: none}
	for i := 0; i < int(req.usage.Output) && s.err == nil; i++ {
		s.wait(h.opts.ChunkDelay)
		word := replyWord(i)
		delta.Sequence, delta.Delta = seq, &word
		emit(delta.Type, delta)
	}
	emit("response.output_text.done", responseTextEvent{Type: "response.output_text.done", Sequence: seq,
		ItemID: item.ID, OutputIndex: msgIndex, Text: &text, Logprobs: none})
	emit("response.content_part.done", responsePartEvent{"response.content_part.done", seq, item.ID, msgIndex, 0, &part})
	emit("response.output_item.done", responseItemEvent{"response.output_item.done", seq, msgIndex, &item})
	emit("response.completed", responseLifecycleEvent{"response.completed", seq, resp})
}
