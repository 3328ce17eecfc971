// Package githubworkflowlint lints this repository's own GitHub Actions workflows
// (.github/workflows) with actionlint's Go API. See go.mod for why it is a module of its
// own.
package githubworkflowlint

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestWorkflowsLint lints every workflow: syntax, expressions and their contexts (secrets,
// env, matrix, steps.<id>.outputs, needs), the inputs of popular actions, job
// dependencies, shell names. (shellcheck and pyflakes are not run.)
func TestWorkflowsLint(t *testing.T) {
	files, err := filepath.Glob("../workflows/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no workflows in ../workflows")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			errs, err := l.Lint(path, content, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				t.Errorf("actionlint: %s", e)
			}
		})
	}
}

// TestActionlintCatches: the linter fails a broken workflow, so a linter that checks
// nothing cannot pass the test above.
func TestActionlintCatches(t *testing.T) {
	broken := []byte(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ matrix.nope }}"
      - uses: docker/build-push-action@v6
        with:
          no-such-input: 1
`)
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("broken.yml", broken, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range errs {
		kinds = append(kinds, e.Kind)
	}
	for _, want := range []string{"expression", "action"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("actionlint found %v, want a %q error", errs, want)
		}
	}
}
