package deploytest

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ignoreRule is one .dockerignore line compiled as Docker does: `**` spans directories, `*`
// and `?` stay within one, a leading `!` re-includes, and a match on a directory excludes
// everything below it.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

func parseDockerignore(text string) []ignoreRule {
	var rules []ignoreRule
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		line = filepath.ToSlash(filepath.Clean(strings.TrimPrefix(line, "!")))
		line = strings.TrimPrefix(line, "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case c == '*' && i+1 < len(line) && line[i+1] == '*':
				i++
				if i+1 < len(line) && line[i+1] == '/' {
					i++
					re.WriteString("(.*/)?")
				} else {
					re.WriteString(".*")
				}
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("(/.*)?$")
		rules = append(rules, ignoreRule{re: regexp.MustCompile(re.String()), negate: neg})
	}
	return rules
}

// ignored reports whether the slash-separated path is left out of the build context.
func ignored(rules []ignoreRule, path string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(path) {
			out = !r.negate
		}
	}
	return out
}

func TestDockerignoreMatcher(t *testing.T) {
	rules := parseDockerignore("# c\n.git\n**/*_test.go\ncharts\n/bin\n**/testdata\ndocs/*.md\n!docs/keep.md\n")
	tests := []struct {
		path string
		want bool
	}{
		{".git/config", true},
		{"a/b_test.go", true},
		{"b_test.go", true},
		{"a/b.go", false},
		{"charts/tollgate/Chart.yaml", true},
		{"chartsx/a", false},
		{"bin/tollgate", true},
		{"x/testdata/f.json", true},
		{"docs/a.md", true},
		{"docs/keep.md", false},
		{"docs/sub/a.md", false},
	}
	for _, tt := range tests {
		if got := ignored(rules, tt.path); got != tt.want {
			t.Errorf("ignored(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// TestDockerignoreKeepsBuildInputs: every file `go build ./cmd/tollgate` reads is in the
// build context.
func TestDockerignoreKeepsBuildInputs(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	rules := parseDockerignore(string(readRepoFile(t, ".dockerignore")))
	c := exec.Command("go", "list", "-e", "-deps",
		"-f", `{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`,
		"./cmd/tollgate")
	c.Dir = root
	out, err := c.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	inputs := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		rel, err := filepath.Rel(root, line)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a dependency from the module cache
		}
		inputs = append(inputs, filepath.ToSlash(rel))
	}
	if len(inputs) < 3 {
		t.Fatalf("go list found no source files of ./cmd/tollgate: %q", out)
	}
	for _, in := range inputs {
		if ignored(rules, in) {
			t.Errorf(".dockerignore excludes build input %s", in)
		}
	}
	for _, out := range []string{".git/HEAD", "charts/tollgate/values.yaml", "deploy/deploytest/compose_test.go"} {
		if !ignored(rules, out) {
			t.Errorf(".dockerignore keeps %s, which the build does not need", out)
		}
	}
}
