package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deadProxy is a closed loopback port: every egress that is not to the gateway (on
// 127.0.0.1, exempt through NO_PROXY) goes there and fails, so nothing leaves the machine.
const deadProxy = "http://127.0.0.1:9"

// runTimeout bounds one client run.
const runTimeout = 120 * time.Second

// run is one finished client process.
type run struct {
	ExitCode int
	Stdout   string
	Stderr   string
	Elapsed  time.Duration
	TimedOut bool
}

// baseEnv is the environment every client gets, and nothing of the test's own
// environment but PATH (to find node) and the locale: a temp HOME per run, so no user
// configuration or credential leaks in, and the dead proxy for every egress but the
// gateway.
func baseEnv(home string) []string {
	env := []string{
		"HOME=" + home,
		"USERPROFILE=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"TMPDIR=" + filepath.Join(home, "tmp"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"TERM=dumb",
		"NO_COLOR=1",
		"CI=true",
		"HTTPS_PROXY=" + deadProxy, "HTTP_PROXY=" + deadProxy, "ALL_PROXY=" + deadProxy,
		"https_proxy=" + deadProxy, "http_proxy=" + deadProxy, "all_proxy=" + deadProxy,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		// npm and node's own update notices.
		"NO_UPDATE_NOTIFIER=1", "npm_config_update_notifier=false",
	}
	return env
}

// runClient runs bin with args in an empty working directory under home, with env added
// to baseEnv(home), standard input closed, and kills its whole process group at
// runTimeout.
func runClient(t *testing.T, home, bin string, args, env []string) run {
	t.Helper()
	work := filepath.Join(home, "work")
	for _, d := range []string{work, filepath.Join(home, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = work
	cmd.Env = append(baseEnv(home), env...)
	cmd.Stdin = nil // /dev/null
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := run{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	if cmd.Process != nil {
		// Helpers the client started and left behind die with it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.TimedOut, r.ExitCode = true, -1
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", bin, err)
	}
	return r
}

// String summarises a run for failure messages.
func (r run) String() string {
	return fmt.Sprintf("exit %d after %s (timed out: %v)\n--- stdout\n%s\n--- stderr\n%s",
		r.ExitCode, r.Elapsed.Round(time.Millisecond), r.TimedOut, tail(r.Stdout, 4000), tail(r.Stderr, 4000))
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
