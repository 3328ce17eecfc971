package gateway

import (
	"os"
	"strings"
	"testing"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// TestReloadOfARestartOnlySettingWarns: a reload that changes a setting read only at
// start (config.RestartOnly) applies the rest and logs a warning naming it. Raising
// limits.max_request_body is one (the gRPC message limit is set at start): a body
// between the old and the new limit is a 413 in the client's shape, not a gRPC error.
func TestReloadOfARestartOnlySettingWarns(t *testing.T) {
	cfg := baseConfig + "limits:\n  max_request_body: 2048\n"
	g, path, logs, _, _ := start(t, cfg)
	next := strings.Replace(cfg, "max_request_body: 2048", "max_request_body: 1048576", 1)
	next = strings.Replace(next, `listen: "127.0.0.1:0"`, `listen: "127.0.0.1:1"`, 1)
	next = strings.Replace(next, "drain_delay: 0s", "drain_delay: 2s", 1) // reloads: read at shutdown
	if err := os.WriteFile(path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(); err != nil {
		t.Fatal(err)
	}
	log := logs.String()
	for _, want := range []string{"listen: 127.0.0.1:0 → 127.0.0.1:1", "limits.max_request_body: 2048 → 1048576"} {
		if !strings.Contains(log, want) {
			t.Errorf("no warning with %q in the log:\n%s", want, log)
		}
	}
	if strings.Contains(log, "server.drain_delay") {
		t.Error("server.drain_delay reloads; it was reported as restart-only")
	}
	if got := g.Server().Runtime().Limits().MaxRequestBody; got != 1048576 {
		t.Fatalf("the reload did not apply: max_request_body %d", got)
	}

	conn, err := grpc.NewClient(g.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := filter.NewStream(nil, extprocv3.NewExternalProcessorClient(conn))
	s.Begin(t.Context())
	body := []byte(`{"model":"claude-x","pad":"` + strings.Repeat("x", 4000) + `"}`)
	if _, fail := s.Call(filter.RequestHeaders(filter.Of(":method", "POST", ":path", "/v1/messages",
		"content-type", "application/json").Proto(), false)); fail != nil {
		t.Fatal(fail)
	}
	resp, fail := s.Call(filter.RequestBody(body, true))
	if fail != nil {
		t.Fatalf("a body over the start-time limit failed the stream: %v", fail)
	}
	if ir := resp.GetImmediateResponse(); ir == nil || ir.Status.Code != 413 {
		t.Fatalf("reply %v, want a 413", resp)
	}
}
