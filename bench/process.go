package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spawn returns the command that runs one server under test as a process of its own,
// listening for ext_proc gRPC on listen (a 127.0.0.1 address the load tool picked), with
// extra appended to its arguments (-cpuprofile FILE -memprofile FILE when profiling). The
// process must end cleanly on SIGTERM, as `tollgate serve` and `tollgate bench-floor` do.
type Spawn func(listen string, extra ...string) *exec.Cmd

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
	// startTimeout bounds how long a server may take to listen.
	startTimeout = 60 * time.Second
	// stopTimeout bounds a clean exit after SIGTERM (profiles are written then);
	// past it the process is killed.
	stopTimeout = 20 * time.Second
	tailLines   = 20
)

// startProcess starts a server, pinned to cpus (none: not pinned), with env added to its
// environment, on a free port of
// 127.0.0.1, and waits until that port accepts connections. Readiness is read from the
// port rather than from the server's log, whose level its config may have raised.
func startProcess(ctx context.Context, name string, spawn Spawn, cpus []int, extra, env []string) (*process, error) {
	addr, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd := spawn(addr, extra...)
	if len(env) > 0 {
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, env...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	if err := startPinned(cmd, cpus, done); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	p := &process{name: name, cmd: cmd, pid: cmd.Process.Pid, addr: addr, done: done}
	drained := make(chan struct{})
	go func() { defer close(drained); p.readLog(stderr) }()
	go func() {
		<-drained // Wait closes the pipe: read everything first
		p.err = cmd.Wait()
		close(p.done)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		c, derr := net.DialTimeout("tcp", addr, time.Second)
		if derr == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before serving (%v): %s", name, p.err, p.lastLines())
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(20 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
			err = fmt.Errorf("%s did not listen on %s within %v: %s", name, addr, startTimeout, p.lastLines())
		}
		_ = p.stop()
		return nil, err
	}
}

// freePort returns a 127.0.0.1 address whose port was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// readLog reads the server's stderr to its end, keeping the last lines. Every line is
// read (a server blocks on a full pipe), as a container runtime reads a container's log.
func (p *process) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		if len(p.tail) == tailLines {
			p.tail = p.tail[1:]
		}
		p.tail = append(p.tail, sc.Text())
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB ends the scanner, not the reading
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
