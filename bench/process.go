package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spawn returns the command that runs one server under test as a process of its own,
// with extra appended to its arguments (-cpuprofile FILE -memprofile FILE when
// profiling). The process must listen on 127.0.0.1 (any port), write a JSON log line on
// stderr whose "msg" ends in "serving" and whose "listen" is its gRPC address — as
// `tollgate serve` and `tollgate bench-floor` do — and end cleanly on SIGTERM.
type Spawn func(extra ...string) *exec.Cmd

// process is a server under test running as a process of its own.
type process struct {
	name string
	cmd  *exec.Cmd
	pid  int
	addr string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done

	mu   sync.Mutex
	tail []string // its last stderr lines, for error messages
}

const (
	// startTimeout bounds how long a server may take to say where it listens.
	startTimeout = 60 * time.Second
	// stopTimeout bounds a clean exit after SIGTERM (profiles are written then);
	// past it the process is killed.
	stopTimeout = 20 * time.Second
	tailLines   = 20
)

// startProcess starts a server, pinned to cpus (none: not pinned), and waits until it
// says where it listens.
func startProcess(ctx context.Context, name string, spawn Spawn, cpus []int, extra []string) (*process, error) {
	cmd := spawn(extra...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	if err := startPinned(cmd, cpus, done); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	p := &process{name: name, cmd: cmd, pid: cmd.Process.Pid, done: done}
	addrc := make(chan string, 1)
	drained := make(chan struct{})
	go func() { defer close(drained); p.readLog(stderr, addrc) }()
	go func() {
		<-drained // Wait closes the pipe: read everything first
		p.err = cmd.Wait()
		close(p.done)
	}()
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case p.addr = <-addrc:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before serving (%v): %s", name, p.err, p.lastLines())
	case <-t.C:
		err = fmt.Errorf("%s did not say where it listens within %v: %s", name, startTimeout, p.lastLines())
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.stop()
	return nil, err
}

// readLog reads the server's stderr to its end: the first "serving" line gives its
// address; the last lines are kept. Every line is read (a server blocks on a full
// pipe), as a container runtime reads a container's log.
func (p *process) readLog(r io.Reader, addrc chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Bytes()
		if !found {
			if addr, ok := servingAddr(line); ok {
				found = true
				addrc <- addr
			}
		}
		p.mu.Lock()
		if len(p.tail) == tailLines {
			p.tail = p.tail[1:]
		}
		p.tail = append(p.tail, string(line))
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB ends the scanner, not the reading
}

// servingAddr reads a log line such as {"msg":"tollgate serving","listen":"127.0.0.1:4711"}.
func servingAddr(line []byte) (string, bool) {
	var l struct {
		Msg    string `json:"msg"`
		Listen string `json:"listen"`
	}
	if json.Unmarshal(line, &l) != nil || !strings.HasSuffix(l.Msg, "serving") || l.Listen == "" {
		return "", false
	}
	return l.Listen, true
}

func (p *process) lastLines() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tail) == 0 {
		return "(no output)"
	}
	return strings.Join(p.tail, "\n")
}

// stop ends the process with SIGTERM, then SIGKILL if it does not exit in time. It
// returns an error when the process did not end cleanly.
func (p *process) stop() error {
	select {
	case <-p.done:
		return p.exitError()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.exitError()
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %v of SIGTERM and was killed", p.name, stopTimeout)
	}
}

func (p *process) exitError() error {
	if p.err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return fmt.Errorf("%s: %v: %s", p.name, p.err, p.lastLines())
	}
	return p.err
}
