package extproc

import (
	"encoding/json"
	"time"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/provider"
)

// snapshot is what one stream reads: an assembled Runtime and the bodies the adapter
// answers itself from it (GET /v1/models, the provider catalogs such as Bedrock's
// listings), rendered once when the Runtime is installed, never per request.
type snapshot struct {
	rt         *assembly.Runtime
	modelsJSON []byte
	listings   map[string][]byte
}

func newSnapshot(rt *assembly.Runtime, now time.Time) *snapshot {
	exact := rt.Router().ExactModels()
	byType := map[string][]string{}
	for _, m := range exact {
		r, _ := rt.Router().Resolve(m)
		if p := rt.Provider(r.Provider); p != nil {
			byType[p.Type()] = append(byType[p.Type()], m)
		}
	}
	return &snapshot{rt: rt, modelsJSON: modelsList(exact, now.Unix()), listings: provider.Catalogs(byType)}
}

// modelsList renders the model list in a shape both OpenAI clients (object, data[].id,
// created, owned_by) and Anthropic clients (data[].type, id, display_name, created_at,
// has_more, first_id, last_id) read — Codex and Claude Code's gateway model discovery.
func modelsList(models []string, created int64) []byte {
	type model struct {
		ID          string `json:"id"`
		Object      string `json:"object"`
		Created     int64  `json:"created"`
		OwnedBy     string `json:"owned_by"`
		Type        string `json:"type"`
		DisplayName string `json:"display_name"`
		CreatedAt   string `json:"created_at"`
	}
	list := struct {
		Object  string  `json:"object"`
		Data    []model `json:"data"`
		HasMore bool    `json:"has_more"`
		FirstID *string `json:"first_id"`
		LastID  *string `json:"last_id"`
	}{Object: "list", Data: []model{}}
	at := time.Unix(created, 0).UTC().Format(time.RFC3339)
	for _, m := range models {
		list.Data = append(list.Data, model{ID: m, Object: "model", Created: created, OwnedBy: "tollgate",
			Type: "model", DisplayName: m, CreatedAt: at})
	}
	if n := len(models); n > 0 {
		list.FirstID, list.LastID = &models[0], &models[n-1]
	}
	b, _ := json.Marshal(list)
	return b
}
