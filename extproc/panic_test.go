package extproc_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tollgate/tollgate/internal/provider"
)

// panicky is a provider whose Prepare panics, standing for any bug in one request.
type panicky struct{ provider.Provider }

func (panicky) Prepare(context.Context, *provider.Request) (provider.Mutation, error) {
	panic("bug in a provider")
}

// TestPanicIsOneRequestsError: a panic while handling one request becomes a 500 for that
// request, in its API's shape; the server goes on serving the next one.
func TestPanicIsOneRequestsError(t *testing.T) {
	f := newFixture(t, "testdata/core.yaml")
	rt := f.srv.Runtime()
	good := rt.Provider("openai")
	f.srv.SetRuntime(rt.WithProvider(panicky{good}))
	body := []byte(`{"model":"gpt-4.1","messages":[]}`)

	ex := f.open(t)
	ex.send(post("/v1/chat/completions", body, "x-api-key", aliceKey))
	ir := immediateOf(t, ex.send(requestBody(body)))
	ex.close()
	var e struct {
		Error struct{ Type, Message string }
	}
	if ir.Status.Code != 500 || json.Unmarshal(ir.Body, &e) != nil || e.Error.Message == "" {
		t.Fatalf("status %d body %s", ir.Status.Code, ir.Body)
	}

	f.srv.SetRuntime(rt)
	ex = f.open(t)
	ex.send(post("/v1/chat/completions", body, "x-api-key", aliceKey))
	m := mutationOf(t, ex.send(requestBody(body)))
	ex.close()
	if m.set["x-tollgate-provider"] != "openai" {
		t.Error("the server did not serve the next request")
	}
}
