package e2e

import (
	"testing"

	"github.com/tollgate/tollgate/llm/usage/usagetest"
	"github.com/tollgate/tollgate/mock"
)

// fixtures loads llm/usage/testdata by name.
func fixtures(t *testing.T) map[string]usagetest.Fixture {
	t.Helper()
	all, err := usagetest.Load(usagetest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]usagetest.Fixture{}
	for _, f := range all {
		out[f.Name] = f
	}
	return out
}

// replay is a fake-provider fixture from a recorded body.
func replay(t *testing.T, f usagetest.Fixture) *mock.Fixture {
	t.Helper()
	b, err := f.Body()
	if err != nil {
		t.Fatal(err)
	}
	return &mock.Fixture{ContentType: f.ContentType, Body: b}
}
