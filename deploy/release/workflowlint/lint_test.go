// Package workflowlint lints the repository's GitHub Actions workflows — deploy/release's
// and .github/workflows (the publish workflow) — with actionlint's Go API. See go.mod for
// why it is a module of its own.
package workflowlint

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
// vars, steps.<id>.outputs, needs.<job>.outputs), the inputs of popular actions, job
// dependencies, cron syntax, shell names. (shellcheck and pyflakes are not run.)
func TestWorkflowsLint(t *testing.T) {
	// Each directory of workflows, by the name its subtests carry.
	for dir, glob := range map[string]string{
		"release": "../workflows/*.yml",
		"github":  "../../../.github/workflows/*.yml",
	} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no workflows in %s", filepath.Dir(glob))
		}
		for _, path := range files {
			t.Run(dir+"/"+filepath.Base(path), func(t *testing.T) {
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
}

// TestActionlintCatches: the linter fails a broken workflow, so a linter that checks
// nothing cannot pass the test above.
func TestActionlintCatches(t *testing.T) {
	for _, broken := range []string{`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: v
        run: echo hi
      - if: steps.nope.outputs.changed == 'true'
        run: echo "${{ secrets }}"
      - uses: actions/checkout@v4
        with:
          no-such-input: 1
`, `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ matrix.nope }}"
      - uses: docker/build-push-action@v6
        with:
          no-such-input: 1
`} {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.Lint("broken.yml", []byte(broken), nil)
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
}
