package mock

import (
	"context"
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestModels(t *testing.T) {
	srv, _ := newServer(t, Options{})
	var anthropicIDs []string
	ac, oc := anthropicClient(srv.URL), openAIClient(srv.URL)
	ap := ac.Models.ListAutoPaging(context.Background(), anthropic.ModelListParams{})
	for i := 0; ap.Next() && i < 100; i++ {
		anthropicIDs = append(anthropicIDs, ap.Current().ID)
	}
	if err := ap.Err(); err != nil || !slices.Equal(anthropicIDs, anthropicModels) {
		t.Errorf("anthropic models = %q, %v; want %q", anthropicIDs, err, anthropicModels)
	}
	var openAIIDs []string
	op := oc.Models.ListAutoPaging(context.Background())
	for i := 0; op.Next() && i < 100; i++ {
		openAIIDs = append(openAIIDs, op.Current().ID)
	}
	if err := op.Err(); err != nil || !slices.Equal(openAIIDs, openAIModels) {
		t.Errorf("openai models = %q, %v; want %q", openAIIDs, err, openAIModels)
	}
}

func TestHealthz(t *testing.T) {
	srv, _ := newServer(t, Options{Key: "required"})
	resp := send(t, "GET", srv.URL, "/healthz", "", nil)
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz without a key: %d, want 200", resp.StatusCode)
	}
}
