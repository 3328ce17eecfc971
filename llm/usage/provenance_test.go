package usage_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// recordedExts are the extensions of recorded requests, responses and streams in
// testdata directories (configuration is YAML; fuzz corpora live under testdata/fuzz).
var recordedExts = map[string]bool{".json": true, ".jsonl": true, ".sse": true}

// provenanceRow is a row of a PROVENANCE.md table: its first cell names a file, in
// backquotes, relative to the PROVENANCE.md.
var provenanceRow = regexp.MustCompile("^\\| `([^`]+)` \\|")

// TestTestdataHasProvenance: every recorded body in any testdata directory of the
// repository is listed in a PROVENANCE.md of its directory (or of an enclosing one inside
// the same testdata tree), every listed file exists, and the SSE fixtures of
// llm/usage/testdata open with their `: provenance:` comment.
func TestTestdataHasProvenance(t *testing.T) {
	root, err := filepath.Abs(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{} // absolute paths named by some PROVENANCE.md
	var recorded []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "fuzz" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if !inTestdata(rel) {
			return nil
		}
		switch {
		case d.Name() == "PROVENANCE.md":
			for _, name := range provenanceFiles(t, path) {
				p := filepath.Join(filepath.Dir(path), filepath.FromSlash(name))
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s lists %s, which does not exist", rel, name)
				}
				listed[p] = true
			}
		case recordedExts[filepath.Ext(d.Name())]:
			recorded = append(recorded, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) < 20 {
		t.Fatalf("found %d recorded bodies under %s: is the walk broken?", len(recorded), root)
	}
	for _, p := range recorded {
		if !listed[p] {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s has no provenance: list it in a PROVENANCE.md of its testdata directory (see llm/usage/testdata/README.md)", rel)
		}
	}

	sses, _ := filepath.Glob(filepath.Join(root, "llm", "usage", "testdata", "*.sse"))
	for _, p := range sses {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		first, rest, _ := bytes.Cut(b, []byte("\n"))
		if !bytes.HasPrefix(first, []byte(": provenance: ")) || !bytes.HasPrefix(rest, []byte("\n")) {
			t.Errorf("%s: does not open with a `: provenance: …` comment line and a blank line", filepath.Base(p))
		}
	}
}

func inTestdata(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "testdata" {
			return true
		}
	}
	return false
}

// provenanceFiles returns the file names of the table rows of a PROVENANCE.md.
func provenanceFiles(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := provenanceRow.FindStringSubmatch(sc.Text()); m != nil {
			out = append(out, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
