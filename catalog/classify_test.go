package catalog

import (
	"testing"

	"github.com/tollgate/tollgate/internal/config"
)

func TestInvert(t *testing.T) {
	for _, tc := range []struct {
		template, id, want string
		ok                 bool
	}{
		{"", "claude-x", "claude-x", true},
		{"{model}", "claude-x", "claude-x", true},
		{"us.anthropic.{model}-v1:0", "us.anthropic.claude-x-v1:0", "claude-x", true},
		{"us.anthropic.{model}-v1:0", "eu.anthropic.claude-x-v1:0", "", false},
		{"us.anthropic.{model}-v1:0", "us.anthropic.-v1:0", "", false}, // the name would be empty
		{"{model}@{model}", "a-b@a-b", "a-b", true},
		{"{model}@{model}", "a-b@a-c", "", false},
		{"{model}-{model}", "a-a-a", "", false},
	} {
		got, ok := invert(tc.template, tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("invert(%q, %q) = %q, %v; want %q, %v", tc.template, tc.id, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClassify(t *testing.T) {
	l, err := config.Parse("t.yaml", []byte(`
providers:
  - {name: b, type: bedrock, region: us-east-1}
  - {name: a, type: anthropic, api_key: k}
models:
  - match: "claude-old-*"
    provider: a
  - match: claude-old-1
    provider: b
    upstream_model: "us.anthropic.{model}-v1:0"
  - match: claude-pinned
    provider: b
    upstream_model: "us.anthropic.{model}-v2:0"
  - match: "legacy-*"
    provider: b
    upstream_model: us.anthropic.claude-legacy-v1:0
  - match: "claude-*"
    provider: b
    upstream_model: "us.anthropic.{model}-v1:0"
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	c, err := newClassifier(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		provider, id string
		want         Model
	}{
		{"b", "us.anthropic.claude-pinned-v2:0", Model{ID: "us.anthropic.claude-pinned-v2:0", Route: RouteExact, ClientModel: "claude-pinned", Rule: "claude-pinned"}},
		// claude-old-1's exact rule is shadowed by the earlier claude-old-* glob (to a).
		{"b", "us.anthropic.claude-old-1-v1:0", Model{ID: "us.anthropic.claude-old-1-v1:0", Route: RouteNone}},
		{"a", "claude-old-1", Model{ID: "claude-old-1", Route: RouteGlob, ClientModel: "claude-old-1", Rule: "claude-old-*"}},
		{"b", "us.anthropic.claude-new-v1:0", Model{ID: "us.anthropic.claude-new-v1:0", Route: RouteGlob, ClientModel: "claude-new", Rule: "claude-*"}},
		// A constant upstream model: any name the glob matches.
		{"b", "us.anthropic.claude-legacy-v1:0", Model{ID: "us.anthropic.claude-legacy-v1:0", Route: RouteGlob, ClientModel: "legacy-*", Rule: "legacy-*"}},
		// The template does not fit; the provider does not match.
		{"b", "eu.anthropic.claude-new-v1:0", Model{ID: "eu.anthropic.claude-new-v1:0", Route: RouteNone}},
		{"a", "us.anthropic.claude-new-v1:0", Model{ID: "us.anthropic.claude-new-v1:0", Route: RouteNone}},
	} {
		if got := c.classify(tc.provider, tc.id); got != tc.want {
			t.Errorf("classify(%s, %s) = %+v, want %+v", tc.provider, tc.id, got, tc.want)
		}
	}
}
