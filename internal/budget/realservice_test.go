package budget

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// realRLS is envoyproxy/ratelimit's service_cmd on Debian's redis-server, both started
// on loopback ephemeral ports in a temp dir, both stopped at the end of the test
// (reference/ratelimit.md, "Starting it locally").
type realRLS struct {
	dir                string
	rlsBin, redisBin   string
	redisPort          int
	grpcPort, httpPort int
	debugPort          int
	redis, rls         *exec.Cmd
	rlsLog             string
	addr               string // the gRPC address
}

var skipOnce sync.Once

// findBins finds service_cmd and redis-server, from TOLLGATE_RATELIMIT_BIN and
// TOLLGATE_REDIS_BIN or on PATH. Missing, the test skips with how to install them,
// or fails under TOLLGATE_REQUIRE_RATELIMIT=1 (CI).
func findBins(tb testing.TB) (rls, redis string) {
	tb.Helper()
	find := func(env, name string) string {
		if p := os.Getenv(env); p != "" {
			return p
		}
		p, _ := exec.LookPath(name)
		return p
	}
	rls, redis = find("TOLLGATE_RATELIMIT_BIN", "service_cmd"), find("TOLLGATE_REDIS_BIN", "redis-server")
	if rls != "" && redis != "" {
		return rls, redis
	}
	msg := fmt.Sprintf("the real rate-limit service is missing (service_cmd %q, redis-server %q): "+
		"go install github.com/envoyproxy/ratelimit/src/service_cmd@%s; apt-get install redis-server "+
		"(or set TOLLGATE_RATELIMIT_BIN, TOLLGATE_REDIS_BIN)", rls, redis, ratelimitVersion)
	if os.Getenv("TOLLGATE_REQUIRE_RATELIMIT") == "1" {
		tb.Fatal(msg + "; TOLLGATE_REQUIRE_RATELIMIT=1 requires them")
	}
	skipOnce.Do(func() { fmt.Fprintln(os.Stderr, "internal/budget: skipping: "+msg) })
	tb.Skip(msg)
	return "", ""
}

// ratelimitVersion is the envoyproxy/ratelimit module version .ci/run installs.
const ratelimitVersion = "v1.4.1-0.20260122083618-3fb702589d36"

// startReal starts Redis, then the service with a config holding only domain.
func startReal(tb testing.TB, domain string) *realRLS {
	tb.Helper()
	rlsBin, redisBin := findBins(tb)
	r := &realRLS{dir: tb.TempDir(), rlsBin: rlsBin, redisBin: redisBin}
	r.redisPort, r.grpcPort, r.httpPort, r.debugPort = freePort(tb), freePort(tb), freePort(tb), freePort(tb)
	r.addr = fmt.Sprintf("127.0.0.1:%d", r.grpcPort)
	conf := filepath.Join(r.dir, "runtime", "ratelimit", "config")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, domain+".yaml"), RatelimitConfig(domain), 0o644); err != nil {
		tb.Fatal(err)
	}
	r.startRedis(tb)
	r.startService(tb)
	tb.Cleanup(func() {
		stop(r.rls)
		stop(r.redis)
		if tb.Failed() {
			tb.Logf("service_cmd log (tail):\n%s", tail(r.rlsLog, 30))
		}
	})
	return r
}

func (r *realRLS) startRedis(tb testing.TB) {
	tb.Helper()
	r.redis = exec.Command(r.redisBin, "--port", strconv.Itoa(r.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no", "--loglevel", "warning")
	r.start(tb, r.redis, "redis.log")
	waitPort(tb, "redis-server", r.redisPort)
}

func (r *realRLS) startService(tb testing.TB) {
	tb.Helper()
	r.rls = exec.Command(r.rlsBin)
	r.rls.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + r.dir,
		"USE_STATSD=false", "LOG_LEVEL=warn",
		"REDIS_SOCKET_TYPE=tcp", fmt.Sprintf("REDIS_URL=127.0.0.1:%d", r.redisPort),
		"RUNTIME_ROOT=" + filepath.Join(r.dir, "runtime"), "RUNTIME_SUBDIRECTORY=ratelimit", "RUNTIME_WATCH_ROOT=false",
		"HOST=127.0.0.1", fmt.Sprintf("PORT=%d", r.httpPort),
		"GRPC_HOST=127.0.0.1", fmt.Sprintf("GRPC_PORT=%d", r.grpcPort),
		"DEBUG_HOST=127.0.0.1", fmt.Sprintf("DEBUG_PORT=%d", r.debugPort),
	}
	r.rlsLog = r.start(tb, r.rls, "ratelimit.log")
	waitPort(tb, "service_cmd", r.grpcPort)
}

// start runs cmd with its output in the temp dir; it returns the log's path.
func (r *realRLS) start(tb testing.TB, cmd *exec.Cmd, log string) string {
	tb.Helper()
	path := filepath.Join(r.dir, log)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		tb.Fatalf("%s: %v", cmd.Path, err)
	}
	f.Close()
	return path
}

// stopRedis and killService stop the processes this test started, by their pid.
func (r *realRLS) stopRedis()   { stop(r.redis) }
func (r *realRLS) killService() { stop(r.rls) }

func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(tb testing.TB, what string, port int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not listen on %d: %v", what, port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// redisCmd sends one command to Redis (RESP) and returns the reply's lines, for
// looking at the counters the service keeps.
func (r *realRLS) redisCmd(tb testing.TB, args ...string) []string {
	tb.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.redisPort), time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
	}
	br := bufio.NewReader(c)
	readLine := func() string {
		s, err := br.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		return strings.TrimRight(s, "\r\n")
	}
	var out []string
	var read func()
	read = func() {
		line := readLine()
		switch line[0] {
		case '*':
			n, _ := strconv.Atoi(line[1:])
			for range n {
				read()
			}
		case '$':
			if line != "$-1" {
				out = append(out, readLine())
			}
		default:
			out = append(out, line[1:])
		}
	}
	read()
	return out
}
