package deploytest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/budget/budgettest"
	"github.com/tollgate/tollgate/internal/config"
)

// TestComposeBudgets: the quickstart's budgets are wired: tollgate's ratelimit.address
// is the ratelimit service's gRPC port, the service reads the domain file `tollgate
// ratelimit-config` prints for deploy/tollgate.yaml from its runtime directory, and
// keeps its counters in the redis service; neither publishes a port; the image is the
// commit CI tests.
func TestComposeBudgets(t *testing.T) {
	p := loadCompose(t)
	rl, redis := service(t, p, "ratelimit"), service(t, p, "redis")
	for _, s := range []string{"ratelimit", "redis"} {
		if ports := service(t, p, s).Ports; len(ports) != 0 {
			t.Errorf("%s publishes %+v; only tollgate talks to it", s, ports)
		}
	}
	env := func(k string) string {
		if v := rl.Environment[k]; v != nil {
			return *v
		}
		return ""
	}

	commit := budgettest.RatelimitVersion[strings.LastIndexByte(budgettest.RatelimitVersion, '-')+1:]
	if want := "envoyproxy/ratelimit:" + commit[:8]; rl.Image != want {
		t.Errorf("ratelimit image %q, want %q: the commit of %s, which CI tests", rl.Image, want, budgettest.RatelimitVersion)
	}

	data := readRepoFile(t, "deploy/tollgate.yaml")
	l, err := config.Parse("deploy/tollgate.yaml", data, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if l.Ratelimit == nil || len(l.Budgets) == 0 {
		t.Fatal("deploy/tollgate.yaml has no ratelimit section or no example budget")
	}
	host, port, err := splitHostPort(l.Ratelimit.Address)
	if err != nil || host != "ratelimit" || strconv.Itoa(port) != env("GRPC_PORT") {
		t.Errorf("ratelimit.address %q, but the service listens on ratelimit:%s", l.Ratelimit.Address, env("GRPC_PORT"))
	}

	dir := bindTarget(t, rl, "deploy/ratelimit/config")
	if want := env("RUNTIME_ROOT") + "/" + env("RUNTIME_SUBDIRECTORY") + "/config"; dir != want {
		t.Errorf("domain config mounted at %s; the service reads %s", dir, want)
	}
	got, err := os.ReadFile(filepath.Join(repoPath("deploy/ratelimit/config"), l.Ratelimit.Domain+".yaml"))
	if err != nil {
		t.Fatalf("the domain %q has no config file: %v", l.Ratelimit.Domain, err)
	}
	if want := budget.RatelimitConfig(l.Ratelimit.Domain); !bytes.Equal(got, want) {
		t.Errorf("deploy/ratelimit/config/%s.yaml is not what tollgate ratelimit-config prints:\n%s", l.Ratelimit.Domain, want)
	}

	rhost, rport, err := splitHostPort(env("REDIS_URL"))
	if err != nil || rhost != redis.Name || rport != 6379 || env("REDIS_SOCKET_TYPE") != "tcp" {
		t.Errorf("REDIS_URL %q (%s), want the redis service on 6379 over tcp", env("REDIS_URL"), env("REDIS_SOCKET_TYPE"))
	}
	if dep, ok := rl.DependsOn["redis"]; !ok || dep.Condition != "service_healthy" {
		t.Errorf("ratelimit does not wait for a healthy redis: %+v", rl.DependsOn)
	}
}
