package testnote

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestNoteFormat: with no terminal (as here, with stderr redirected), the note goes to
// stderr and names the test, its package directory and the reason.
func TestNoteFormat(t *testing.T) {
	if f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		f.Close()
		t.Skip("a terminal is attached: the note would go there")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	note("TestX", "no prometheus")
	os.Stderr = old
	w.Close()
	out, _ := io.ReadAll(r)
	want := "--- SKIP: TestX (./" + filepath.Base(mustWd(t)) + "): no prometheus\n"
	if string(out) != want {
		t.Errorf("note %q, want %q", out, want)
	}
}

func mustWd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
