package reqdiff

import (
	"bytes"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/diff.md")

func mustRead(t *testing.T, path string) []Shape {
	t.Helper()
	s, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDiff checks the structured diff of the fixtures: claude-code 2.1.332 → 2.2.0 gained an
// endpoint, a header, a body field and a beta (given as a raw comma-separated value) and
// stopped calling GET /v1/models; codex did not change; gemini-cli's path model changed.
func TestDiff(t *testing.T) {
	diffs := Diff(mustRead(t, "testdata/old.json"), mustRead(t, "testdata/new.json"))
	if got := len(diffs); got != 3 {
		t.Fatalf("%d client diffs, want 3", got)
	}
	cc := Only(diffs, "claude-code")
	if !slices.Equal(cc.OldVersions, []string{"2.1.332"}) || !slices.Equal(cc.NewVersions, []string{"2.2.0"}) {
		t.Errorf("versions %v → %v", cc.OldVersions, cc.NewVersions)
	}
	if !slices.Equal(cc.Endpoints.Added, []string{"POST /v1/messages/count_tokens"}) ||
		!slices.Equal(cc.Endpoints.Removed, []string{"GET /v1/models"}) {
		t.Errorf("endpoints %+v", cc.Endpoints)
	}
	var msgs EndpointDiff
	for _, e := range cc.Changed {
		if e.Endpoint == "POST /v1/messages" {
			msgs = e
		}
	}
	// Header names compare case-insensitively ("Anthropic-Beta" in the old run).
	if !slices.Equal(msgs.Headers.Added, []string{"x-claude-code-session-id"}) || len(msgs.Headers.Removed) != 0 {
		t.Errorf("headers %+v", msgs.Headers)
	}
	// Fields are the union over the requests to an endpoint.
	if !slices.Equal(msgs.BodyFields.Added, []string{"context_management"}) ||
		!slices.Equal(msgs.BodyFields.Removed, []string{"metadata", "temperature"}) {
		t.Errorf("body fields %+v", msgs.BodyFields)
	}
	if !slices.Equal(msgs.Betas.Added, []string{"context-management-2025-06-27"}) || len(msgs.Betas.Removed) != 0 {
		t.Errorf("betas %+v", msgs.Betas)
	}
	if !msgs.Query.empty() {
		t.Errorf("query %+v: ?beta=true is on both sides", msgs.Query)
	}
	if codex := Only(diffs, "codex"); !codex.Empty() {
		t.Errorf("codex: %+v, want no change", codex)
	}
	g := Only(diffs, "gemini-cli")
	if !slices.Equal(g.Endpoints.Added, []string{"POST /v1beta/models/gemini-3-pro:streamGenerateContent"}) {
		t.Errorf("gemini-cli endpoints %+v", g.Endpoints)
	}
}

// TestMarkdown compares the rendering with testdata/diff.md (go test -update rewrites it).
func TestMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, Diff(mustRead(t, "testdata/old.json"), mustRead(t, "testdata/new.json"))); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/diff.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/diff.md")
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("markdown differs from testdata/diff.md:\n%s", b.String())
	}
}

func TestMarkdownMissingSide(t *testing.T) {
	newOnly := []Shape{{Client: "codex", Version: "0.172.0", Method: "post", Path: "/v1/responses", Headers: []string{"authorization"}}}
	var b bytes.Buffer
	if err := Markdown(&b, Diff(nil, newOnly)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### codex (none recorded) → 0.172.0",
		"No requests recorded for the last passing version",
		"- `POST /v1/responses`", // methods are upper-cased
		"| headers | `authorization` |  |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := Markdown(&b, Diff(newOnly, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No requests recorded for the new version") ||
		!strings.Contains(b.String(), "Endpoints no longer called:\n- `POST /v1/responses`") {
		t.Errorf("old only:\n%s", b.String())
	}
}

func TestParseRejects(t *testing.T) {
	for in, want := range map[string]string{
		``:      "not a JSON list",
		`null`:  "null",
		`{}`:    "not a JSON list",
		`[] []`: "trailing data",
		`[{"client":"c","version":"1","method":"GET","path":"/","cookies":[]}]`: `unknown field "cookies"`,
		`[{"version":"1","method":"GET","path":"/"}]`:                           "no client",
		`[{"client":"c","method":"GET","path":"/"}]`:                            "no version",
		`[{"client":"c","version":"1","path":"/"}]`:                             "no method",
		`[{"client":"c","version":"1","method":"GET","path":"v1/messages"}]`:    "does not start with /",
		`[{"client":"c","version":"1","method":"GET","path":"/"}`:               "not a JSON list",
	} {
		_, err := Parse(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
	if s, err := Parse(strings.NewReader(`[]`)); err != nil || len(s) != 0 {
		t.Errorf("empty list: %v %v", s, err)
	}
}
