package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an output sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// stack is a Run started by startStack.
type stack struct {
	info           Info
	stdout, stderr *syncBuffer
	stop           func() error
}

// startStack runs o until the test ends (or stop), and waits until it is ready.
func startStack(t *testing.T, o Options) *stack {
	t.Helper()
	s := &stack{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	o.Stdout, o.Stderr = s.stdout, s.stderr
	ready := make(chan Info, 1)
	o.Ready = func(i Info) { ready <- i }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	s.stop = sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	select {
	case s.info = <-ready:
	case err := <-done:
		done <- err // for the cleanup's stop, which waits on it
		t.Fatalf("Run: %v\nstderr:\n%s", err, s.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("not ready after 60s\nstderr:\n%s", s.stderr)
	}
	return s
}

// freeAddr returns 127.0.0.1:PORT with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// fakeEnvoyLink makes dir/envoy, a symbolic link to this test binary, which TestMain
// then runs as the fake Envoy.
func fakeEnvoyLink(t *testing.T, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "envoy")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// quickstartMessage sends the README's request (with key) to base and returns the
// status and the usage of the answer.
func quickstartMessage(t *testing.T, base, key string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/messages",
		strings.NewReader(`{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("x-api-key", key)
	req.Header.Set("content-type", "application/json")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var msg struct {
		Usage map[string]any `json:"usage"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &msg); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
	}
	return resp.StatusCode, msg.Usage
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
