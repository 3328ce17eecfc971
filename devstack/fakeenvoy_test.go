package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/envoysim"
)

// TestMain makes this test binary a fake Envoy when it runs under the name "envoy" (a
// symbolic link the tests put on PATH, in ENVOY_BIN, or in a func-e archive).
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "envoy" {
		if err := fakeEnvoy(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fake envoy:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeEnvoyDirEnv names the directory where the fake Envoy records what it was given:
// args.json (its arguments) and config.json (a copy of its -c file).
const fakeEnvoyDirEnv = "TOLLGATE_FAKE_ENVOY_DIR"

// fakeEnvoy records its arguments and config, then plays Envoy with that config: it
// serves the admin address (/ready answers LIVE) and writes it to --admin-address-path,
// and serves the HTTP listener with the Envoy stand-in, wired to the tollgate cluster and
// the plain-HTTP clusters at the addresses the config names. A request through it thus
// proves those addresses. It runs until it is signalled or killed.
func fakeEnvoy(args []string) error {
	var configPath, addrPath string
	for i := 0; i < len(args)-1 && args[i] != "--"; i++ {
		switch args[i] {
		case "-c", "--config-path":
			configPath = args[i+1]
		case "--admin-address-path":
			addrPath = args[i+1]
		}
	}
	dir := os.Getenv(fakeEnvoyDirEnv)
	raw, err := os.ReadFile(configPath)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(args)
	if err := os.WriteFile(filepath.Join(dir, "args.json"), js, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o600); err != nil {
		return err
	}
	b, err := envoy.ParseBootstrap(raw)
	if err != nil {
		return err
	}
	sa := b.GetAdmin().GetAddress().GetSocketAddress()
	admin, err := net.Listen("tcp", net.JoinHostPort(sa.GetAddress(), fmt.Sprint(sa.GetPortValue())))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "LIVE") })
	mux.HandleFunc("/config_dump", func(w http.ResponseWriter, _ *http.Request) { w.Write(raw) })
	go http.Serve(admin, mux)

	cms, err := envoy.ConnectionManagers(b)
	if err != nil || len(cms) == 0 {
		return fmt.Errorf("no listener: %v", err)
	}
	ep, err := envoy.ExtProcFilter(b)
	if err != nil {
		return err
	}
	upstreams := map[string]string{}
	for _, c := range b.GetStaticResources().GetClusters() {
		if eps := envoy.Endpoints(c); len(eps) > 0 && c.GetTransportSocket() == nil {
			upstreams[c.GetName()] = "http://" + net.JoinHostPort(eps[0].GetAddress(), fmt.Sprint(eps[0].GetPortValue()))
		}
	}
	tollgate := upstreams[ep.GetGrpcService().GetEnvoyGrpc().GetClusterName()]
	proxy, err := envoysim.New(envoysim.Options{Bootstrap: b, Upstreams: upstreams,
		Listen:      net.JoinHostPort(cms[0].Address, fmt.Sprint(cms[0].Port)),
		ExtProcAddr: tollgate[len("http://"):]})
	if err != nil {
		return err
	}
	defer proxy.Close()
	// As Envoy does, write the admin address once everything listens.
	if err := os.WriteFile(addrPath, []byte(admin.Addr().String()), 0o600); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
