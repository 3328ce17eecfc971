// Package testnote tells the person running the tests that a test was skipped, and why.
//
// `go test ./...` (package list mode) shows nothing of a package whose tests pass but the
// "ok" line: without -v, the test binary's stdout and stderr are discarded, t.Skip's
// reason included. A test that skips for want of a tool (prometheus) or because of the
// flags (the soak under -race) would then pass silently. Skip writes the reason to the
// terminal (/dev/tty), which go test does not capture, as well as skipping the test.
package testnote

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Skip skips t with msg and, unless -v already shows it, writes
// "--- SKIP: TestName (./dir): msg" to the terminal, or to stderr when there is none.
func Skip(t testing.TB, msg string) {
	t.Helper()
	if !testing.Verbose() {
		note(t.Name(), msg)
	}
	t.Skip(msg)
}

func note(test, msg string) {
	var w io.Writer = os.Stderr
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		w = tty
	}
	dir := "."
	if wd, err := os.Getwd(); err == nil { // go test runs a package's tests in its directory
		dir = "./" + filepath.Base(wd)
	}
	fmt.Fprintf(w, "--- SKIP: %s (%s): %s\n", test, dir, msg)
}
