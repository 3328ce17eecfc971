package mock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Compaction, as OpenAI's Responses API does it (and Codex uses it): POST
// /v1/responses/compact answers a response.compaction object whose output is every user
// message of the input followed by one compaction item, with usage; and a /v1/responses
// request whose context_management asks for compaction gets a compaction item before its
// message. A compaction item is {"type":"compaction","id","encrypted_content"}, the shape
// of openai/codex's ResponseItem::Compaction (codex-rs/protocol/src/models.rs) and of
// openai-go's responses.ResponseCompactionItem. Compaction items a client sends back in
// input are accepted like any other input, and counted as prompt.

// compactedResponse is the answer of /v1/responses/compact.
type compactedResponse struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"`
	CreatedAt int64             `json:"created_at"`
	Output    []json.RawMessage `json:"output"`
	Usage     *responsesUsage   `json:"usage"`
}

// compactionItem is one compaction output item.
type compactionItem struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	EncryptedContent string `json:"encrypted_content"`
}

func init() {
	register(endpoint{"/v1/responses/compact", api.OpenAIResponsesOther, []string{"instructions", "input", "tools"}, (*Handler).openAICompact})
}

// newCompactionItem is request seq's compaction item; its content is opaque to clients,
// as OpenAI's is.
func newCompactionItem(seq uint64) compactionItem {
	return compactionItem{
		ID:               fmt.Sprintf("cmp_mock%08d", seq),
		Type:             "compaction",
		EncryptedContent: base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "mock compaction %d", seq)),
	}
}

// wantsCompaction reports whether a Responses request asks for compaction in its
// context_management.
func wantsCompaction(body []byte) bool {
	found := false
	gjson.GetBytes(body, "context_management").ForEach(func(_, e gjson.Result) bool {
		found = e.Get("type").Str == "compaction"
		return !found
	})
	return found
}

// openAICompact answers POST /v1/responses/compact (never streamed).
func (h *Handler) openAICompact(s *writer, req *request) {
	var out []json.RawMessage
	in := gjson.GetBytes(req.body, "input")
	if in.Type == gjson.String {
		out = append(out, userMessageItem(req.seq, 0, in))
	}
	in.ForEach(func(_, item gjson.Result) bool {
		if item.Get("role").Str == "user" {
			out = append(out, userMessageItem(req.seq, len(out), item.Get("content")))
		}
		return true
	})
	item, _ := json.Marshal(newCompactionItem(req.seq))
	s.json(compactedResponse{
		ID:        fmt.Sprintf("resp_mock%08d", req.seq),
		Object:    "response.compaction",
		CreatedAt: req.created,
		Output:    append(out, item),
		Usage:     responsesUsageOf(req.usage),
	})
}

// userMessageItem renders a user message of the input as an output message item; text
// content becomes one input_text part, a list of parts is kept as sent.
func userMessageItem(seq uint64, i int, content gjson.Result) json.RawMessage {
	parts := json.RawMessage(content.Raw)
	if content.Type == gjson.String || !content.IsArray() {
		parts, _ = json.Marshal([]map[string]string{{"type": "input_text", "text": content.String()}})
	}
	b, _ := json.Marshal(struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Status  string          `json:"status"`
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}{fmt.Sprintf("msg_mock%08d_%d", seq, i), "message", "completed", "user", parts})
	return b
}
