package mock

import (
	"net/http"
)

// The models GET /v1/models lists. Any other model name is served just the same.
var (
	anthropicModels = []string{"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"}
	openAIModels    = []string{"gpt-5.1", "gpt-5-mini", "gpt-4.1"}
)

type (
	anthropicModel struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		CreatedAt   string `json:"created_at"`
	}
	anthropicModelList struct {
		Data    []anthropicModel `json:"data"`
		HasMore bool             `json:"has_more"`
		FirstID string           `json:"first_id"`
		LastID  string           `json:"last_id"`
	}
	openAIModel struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	openAIModelList struct {
		Object string        `json:"object"`
		Data   []openAIModel `json:"data"`
	}
)

// modelsCreated is the creation time reported for every listed model (2025-01-01).
const modelsCreated = 1735689600

// models answers GET /v1/models in the shape of the API the client speaks: Anthropic
// when it sends anthropic-version or x-api-key, else OpenAI.
func (h *Handler) models(w http.ResponseWriter, r *http.Request) {
	kind := headerKind(r.Header)
	if r.Method != http.MethodGet {
		writeError(w, kind, methodNotAllowed(w, r, http.MethodGet))
		return
	}
	if e := h.authenticate(kind, r); e != nil {
		writeError(w, kind, e)
		return
	}
	s := newWriter(r.Context(), w, h.opts.ChunkBytes)
	if kind.AnthropicShaped() {
		list := anthropicModelList{Data: make([]anthropicModel, 0, len(anthropicModels))}
		for _, id := range anthropicModels {
			list.Data = append(list.Data, anthropicModel{Type: "model", ID: id, DisplayName: id + " (mock)",
				CreatedAt: "2025-01-01T00:00:00Z"})
		}
		list.FirstID, list.LastID = anthropicModels[0], anthropicModels[len(anthropicModels)-1]
		s.json(list)
		return
	}
	list := openAIModelList{Object: "list", Data: make([]openAIModel, 0, len(openAIModels))}
	for _, id := range openAIModels {
		list.Data = append(list.Data, openAIModel{ID: id, Object: "model", Created: modelsCreated, OwnedBy: "tollgate-mock"})
	}
	s.json(list)
}
