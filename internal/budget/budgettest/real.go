package budgettest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// RatelimitVersion is the envoyproxy/ratelimit module version .ci/run installs.
const RatelimitVersion = "v1.4.1-0.20260122083618-3fb702589d36"

// Real is envoyproxy/ratelimit's service_cmd on Debian's redis-server, both started on
// loopback ephemeral ports in a temp dir and stopped, by their pids, at the end of the
// test.
type Real struct {
	dir                string
	rlsBin, redisBin   string
	redisPort          int
	grpcPort, httpPort int
	debugPort          int
	redis, rls         *exec.Cmd
	rlsLog             string
}

var skipOnce sync.Once

// FindBins finds service_cmd and redis-server, from TOLLGATE_RATELIMIT_BIN and
// TOLLGATE_REDIS_BIN or on PATH. Missing, the test skips with how to install them
// (printed once per test binary), or fails under TOLLGATE_REQUIRE_RATELIMIT=1 (CI).
func FindBins(tb testing.TB) (rls, redis string) {
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
		"(or set TOLLGATE_RATELIMIT_BIN, TOLLGATE_REDIS_BIN)", rls, redis, RatelimitVersion)
	if os.Getenv("TOLLGATE_REQUIRE_RATELIMIT") == "1" {
		tb.Fatal(msg + "; TOLLGATE_REQUIRE_RATELIMIT=1 requires them")
	}
	skipOnce.Do(func() { fmt.Fprintln(os.Stderr, "skipping the real rate-limit service tests: "+msg) })
	tb.Skip(msg)
	return "", ""
}

// StartReal starts Redis, then the service with config (the output of
// budget.RatelimitConfig) as the file of domain.
func StartReal(tb testing.TB, domain string, config []byte) *Real {
	tb.Helper()
	rlsBin, redisBin := FindBins(tb)
	r := &Real{dir: tb.TempDir(), rlsBin: rlsBin, redisBin: redisBin}
	r.redisPort, r.grpcPort, r.httpPort, r.debugPort = freePort(tb), freePort(tb), freePort(tb), freePort(tb)
	conf := filepath.Join(r.dir, "runtime", "ratelimit", "config")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, domain+".yaml"), config, 0o644); err != nil {
		tb.Fatal(err)
	}
	r.StartRedis(tb)
	r.StartService(tb)
	tb.Cleanup(func() {
		stop(r.rls)
		stop(r.redis)
		if tb.Failed() {
			tb.Logf("service_cmd log (tail):\n%s", tail(r.rlsLog, 30))
		}
	})
	return r
}

// Addr is the service's gRPC address.
func (r *Real) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.grpcPort) }

// StartRedis starts (or restarts, on the same port) Redis, without persistence.
func (r *Real) StartRedis(tb testing.TB) {
	tb.Helper()
	r.redis = exec.Command(r.redisBin, "--port", strconv.Itoa(r.redisPort), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no", "--loglevel", "warning")
	r.start(tb, r.redis, "redis.log")
	waitPort(tb, "redis-server", r.redisPort)
}

// StartService starts (or restarts, on the same ports) the rate-limit service.
func (r *Real) StartService(tb testing.TB) {
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

// StopRedis and KillService stop the processes this test started, by their pid.
func (r *Real) StopRedis()   { stop(r.redis) }
func (r *Real) KillService() { stop(r.rls) }

// Pids are the pids of the service and of Redis (for their CPU time in /proc).
func (r *Real) Pids() []int { return []int{r.rls.Process.Pid, r.redis.Process.Pid} }

// start runs cmd with its output in the temp dir; it returns the log's path.
func (r *Real) start(tb testing.TB, cmd *exec.Cmd, log string) string {
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

func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
}
