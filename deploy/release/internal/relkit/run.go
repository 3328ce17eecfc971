// Package relkit holds what the release programs share: running git, gh and tollgate, editing
// a YAML file without losing its comments, querying Prometheus, and GitHub Actions' output
// files. Every external program is found on PATH (or given by path), so tests put fakes there.
package relkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Runner runs programs in Dir with Env added to the process environment. Stderr receives
// each command line and the programs' stderr (a log); nil discards them.
type Runner struct {
	Dir    string
	Env    []string
	Stderr io.Writer
}

func (r Runner) log() io.Writer {
	if r.Stderr == nil {
		return io.Discard
	}
	return r.Stderr
}

// syncWriter serialises writes: os/exec copies a program's stdout and stderr from two
// goroutines, and Run sends both to the log.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (r Runner) cmd(name string, args ...string) (*exec.Cmd, *bytes.Buffer, io.Writer) {
	c := exec.Command(name, args...)
	c.Dir = r.Dir
	c.Env = append(os.Environ(), r.Env...)
	log := &syncWriter{w: r.log()}
	var errBuf bytes.Buffer
	c.Stderr = io.MultiWriter(&errBuf, log)
	fmt.Fprintf(log, "+ %s %s\n", name, strings.Join(args, " "))
	return c, &errBuf, log
}

// ExitError is a program that ran and exited non-zero.
type ExitError struct {
	Cmd    string
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if len(msg) > 2000 {
		msg = "…" + msg[len(msg)-2000:]
	}
	if msg == "" {
		return fmt.Sprintf("%s: exit status %d", e.Cmd, e.Code)
	}
	return fmt.Sprintf("%s: exit status %d: %s", e.Cmd, e.Code, msg)
}

func wrap(name string, args []string, err error, stderr *bytes.Buffer) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Cmd: name + " " + strings.Join(args, " "), Code: ee.ExitCode(), Stderr: stderr.String()}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Output runs a program and returns its stdout.
func (r Runner) Output(name string, args ...string) ([]byte, error) {
	c, stderr, _ := r.cmd(name, args...)
	out, err := c.Output()
	if err != nil {
		return out, wrap(name, args, err, stderr)
	}
	return out, nil
}

// Run runs a program, sending its stdout to the log.
func (r Runner) Run(name string, args ...string) error {
	c, stderr, log := r.cmd(name, args...)
	c.Stdout = log
	if err := c.Run(); err != nil {
		return wrap(name, args, err, stderr)
	}
	return nil
}

// WriteFileAtomic replaces path with data through a temporary file in the same directory, so
// that a reader (or a failure half-way) never sees a partial file. The mode of an existing
// file is kept; a missing directory is made.
func WriteFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// SetOutput records a step output for GitHub Actions ($GITHUB_OUTPUT); without the variable
// it does nothing.
func SetOutput(name, value string) error {
	return appendEnvFile("GITHUB_OUTPUT", fmt.Sprintf("%s<<__TOLLGATE_EOF__\n%s\n__TOLLGATE_EOF__\n", name, value))
}

// StepSummary appends Markdown to the job summary ($GITHUB_STEP_SUMMARY), if there is one.
func StepSummary(markdown string) error {
	return appendEnvFile("GITHUB_STEP_SUMMARY", markdown+"\n")
}

func appendEnvFile(env, text string) error {
	path := os.Getenv(env)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// RunURL is the URL of the current GitHub Actions run, or "" outside Actions.
func RunURL() string {
	server, repo, id := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY"), os.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}
