package clients

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/<client>-<version>.json from the requests the clients sent")

// requestShape is one kind of request a client version sends: the format of the fixtures
// testdata/<client>-<version>.json, a JSON array of these (the release canary diffs two of
// them). Header names are lower case and sorted; body_fields are the top-level keys of a
// JSON body, sorted; betas are the anthropic-beta values, sorted: those of the header and
// those of a body's anthropic_beta array (Claude Code's Bedrock and Vertex modes).
type requestShape struct {
	Client     string   `json:"client"`
	Version    string   `json:"version"`
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Headers    []string `json:"headers"`
	BodyFields []string `json:"body_fields"`
	Betas      []string `json:"betas"`
}

// secretQuery are query parameters whose values never go into a fixture.
var secretQuery = map[string]bool{"key": true}

// shapeOf reduces a recorded request to its shape.
func shapeOf(client, version string, r recorded) requestShape {
	s := requestShape{Client: client, Version: version, Method: r.Method, Path: r.Path,
		Headers: []string{}, BodyFields: []string{}, Betas: []string{}}
	if r.Query != "" {
		q, err := url.ParseQuery(r.Query)
		if err == nil {
			for k := range q {
				if secretQuery[k] {
					q[k] = []string{"REDACTED"}
				}
			}
			s.Path += "?" + q.Encode()
		} else {
			s.Path += "?" + r.Query
		}
	}
	names := map[string]bool{"host": r.Host != ""}
	if len(r.TransferEncoding) > 0 {
		names["transfer-encoding"] = true
	}
	for k := range r.Header {
		names[strings.ToLower(k)] = true
	}
	for k, ok := range names {
		if ok {
			s.Headers = append(s.Headers, k)
		}
	}
	sort.Strings(s.Headers)
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(r.Body)) > 0 && json.Unmarshal(r.Body, &obj) == nil {
		for k := range obj {
			s.BodyFields = append(s.BodyFields, k)
		}
		sort.Strings(s.BodyFields)
	}
	addBeta := func(b string) {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(s.Betas, b) {
			s.Betas = append(s.Betas, b)
		}
	}
	for _, v := range r.Header.Values("anthropic-beta") {
		for b := range strings.SplitSeq(v, ",") {
			addBeta(b)
		}
	}
	// Bedrock and Vertex carry the flags in the body too (anthropic_beta).
	var betas []string
	if raw, ok := obj["anthropic_beta"]; ok && json.Unmarshal(raw, &betas) == nil {
		for _, b := range betas {
			addBeta(b)
		}
	}
	sort.Strings(s.Betas)
	return s
}

// key identifies a shape for set comparison.
func (s requestShape) key() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// shapesOf is the set of shapes of the recorded requests, in a stable order.
func shapesOf(client, version string, rs []recorded) []requestShape {
	seen := map[string]bool{}
	var out []requestShape
	for _, r := range rs {
		s := shapeOf(client, version, r)
		if k := s.key(); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	sortShapes(out)
	return out
}

func sortShapes(ss []requestShape) {
	sort.SliceStable(ss, func(i, j int) bool {
		if ss[i].Path != ss[j].Path {
			return ss[i].Path < ss[j].Path
		}
		if ss[i].Method != ss[j].Method {
			return ss[i].Method < ss[j].Method
		}
		return ss[i].key() < ss[j].key()
	})
}

func fixturePath(client, version string) string {
	return filepath.Join("testdata", client+"-"+version+".json")
}

// writeFixture writes shapes as the fixture of client at version.
func writeFixture(t *testing.T, client, version string, shapes []requestShape) {
	t.Helper()
	b, err := json.MarshalIndent(shapes, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixturePath(client, version), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d request shapes)", fixturePath(client, version), len(shapes))
}

// readFixture reads the fixture of client at version.
func readFixture(client, version string) ([]requestShape, error) {
	b, err := os.ReadFile(fixturePath(client, version))
	if err != nil {
		return nil, err
	}
	var shapes []requestShape
	if err := json.Unmarshal(b, &shapes); err != nil {
		return nil, fmt.Errorf("%s: %w", fixturePath(client, version), err)
	}
	return shapes, nil
}

// checkFixture asserts that the requests the client sent are exactly the shapes its
// fixture lists (with -update: rewrites the fixture from them).
func checkFixture(t *testing.T, client, version string, rs []recorded) {
	t.Helper()
	got := shapesOf(client, version, rs)
	recordShapesOut(got)
	if *update {
		writeFixture(t, client, version, got)
		return
	}
	want, err := readFixture(client, version)
	if err != nil {
		t.Errorf("request fixture: %v (record it: go test ./e2e/clients -run 'TestRealClients/%s' -update)", err, client)
		return
	}
	gotKeys, wantKeys := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		gotKeys[s.key()] = true
	}
	for _, s := range want {
		wantKeys[s.key()] = true
	}
	bad := false
	for _, s := range got {
		if !wantKeys[s.key()] {
			bad = true
			t.Errorf("%s %s sent a request its fixture does not list:\n  %s", client, version, s.key())
		}
	}
	for _, s := range want {
		if !gotKeys[s.key()] {
			bad = true
			t.Errorf("%s %s did not send a request its fixture lists:\n  %s", client, version, s.key())
		}
	}
	if bad {
		t.Logf("if the client's requests changed on purpose: go test ./e2e/clients -run 'TestRealClients/%s' -update, and review the diff of %s",
			client, fixturePath(client, version))
	}
}

// TestFixturesWellFormed checks every fixture of testdata, recorded or written by hand,
// without running a client: it parses as []requestShape, each entry names the client and
// version of its file name, lists are sorted and without duplicates, and no entry repeats.
func TestFixturesWellFormed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var shapes []requestShape
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&shapes); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(shapes) == 0 {
			t.Errorf("%s: no request shapes", f)
		}
		seen := map[string]bool{}
		for i, s := range shapes {
			if name := s.Client + "-" + s.Version + ".json"; filepath.Base(f) != name {
				t.Errorf("%s[%d]: client %q version %q belong in %s", f, i, s.Client, s.Version, name)
			}
			if s.Method == "" || !strings.HasPrefix(s.Path, "/") {
				t.Errorf("%s[%d]: method %q path %q", f, i, s.Method, s.Path)
			}
			for name, list := range map[string][]string{"headers": s.Headers, "body_fields": s.BodyFields, "betas": s.Betas} {
				if list == nil || !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
					t.Errorf("%s[%d]: %s must be present, sorted and without duplicates: %v", f, i, name, list)
				}
			}
			for _, h := range s.Headers {
				if h != strings.ToLower(h) {
					t.Errorf("%s[%d]: header %q is not lower case", f, i, h)
				}
			}
			if seen[s.key()] {
				t.Errorf("%s[%d]: repeats an earlier entry", f, i)
			}
			seen[s.key()] = true
		}
	}
}
