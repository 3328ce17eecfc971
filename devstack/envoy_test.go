package devstack

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"

	"github.com/tollgate/tollgate/deploy"
	"github.com/tollgate/tollgate/envoy"
)

// TestFakeEnvoy runs tollgate dev with a fake `envoy` executable found on PATH, or named by
// ENVOY_BIN, and checks the arguments it is started with and the config it gets: decoded
// as Envoy would, its listener, admin, tollgate and mock addresses are the ones the stack
// serves on, and only the quickstart's providers are routed. The fake serves that config
// with the Envoy stand-in, so the README's request through it proves the wiring.
func TestFakeEnvoy(t *testing.T) {
	for _, how := range []string{"PATH", "ENVOY_BIN"} {
		t.Run(how, func(t *testing.T) {
			bin := fakeEnvoyLink(t, t.TempDir())
			rec := t.TempDir()
			t.Setenv(fakeEnvoyDirEnv, rec)
			if how == "PATH" {
				t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
				t.Setenv("ENVOY_BIN", "")
			} else {
				t.Setenv("PATH", t.TempDir())
				t.Setenv("ENVOY_BIN", bin)
			}
			noDownload := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				t.Error("func-e looked for an Envoy to download")
			}))
			defer noDownload.Close()

			// A fixed admin port, and one Envoy picks (read back from --admin-address-path).
			listen, envoyAdmin := freeAddr(t), "127.0.0.1:0"
			if how == "PATH" {
				envoyAdmin = freeAddr(t)
			}
			s := startStack(t, Options{Listen: listen, Admin: "127.0.0.1:0", EnvoyAdmin: envoyAdmin,
				CacheDir: t.TempDir(), EnvoyVersionsURL: noDownload.URL})
			if s.info.Envoy != bin {
				t.Errorf("Envoy %q, want %q", s.info.Envoy, bin)
			}
			checkEnvoyArgs(t, rec)
			checkAdaptedConfig(t, rec, s.info, listen, envoyAdmin)

			status, usage := quickstartMessage(t, s.info.URL, deploy.DemoKey)
			if status != http.StatusOK || usage["output_tokens"] != float64(mockOptions.Words) {
				t.Errorf("through the fake Envoy: %d, usage %v", status, usage)
			}
			if !strings.Contains(s.stdout.String(), "tollgate dev is up: Envoy ("+bin+")") {
				t.Errorf("banner:\n%s", s.stdout)
			}
			if err := s.stop(); err != nil {
				t.Errorf("stop: %v\n%s", err, s.stderr)
			}
		})
	}
}

func checkEnvoyArgs(t *testing.T, rec string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(rec, "args.json"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	if err := json.Unmarshal(raw, &args); err != nil {
		t.Fatal(err)
	}
	// Ours, then func-e's run id after "--" (which Envoy ignores).
	dash := slices.Index(args, "--")
	if dash < 0 || len(args) != dash+3 || args[dash+1] != "--run-id" {
		t.Fatalf("args %q: want func-e's -- --run-id ID at the end", args)
	}
	ours := args[:dash]
	if len(ours) != 7 || ours[0] != "-c" || filepath.Base(ours[1]) != "envoy.json" ||
		ours[2] != "--admin-address-path" || ours[4] != "--disable-hot-restart" ||
		ours[5] != "--log-level" || ours[6] != "warn" {
		t.Errorf("args %q", ours)
	}
}

func checkAdaptedConfig(t *testing.T, rec string, info Info, listen, envoyAdmin string) {
	t.Helper()
	b, err := envoy.LoadBootstrap(filepath.Join(rec, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	addr := func(sa interface {
		GetAddress() string
		GetPortValue() uint32
	}) string {
		return net.JoinHostPort(sa.GetAddress(), itoa(sa.GetPortValue()))
	}
	if got := addr(b.GetAdmin().GetAddress().GetSocketAddress()); got != envoyAdmin {
		t.Errorf("admin %s, want %s", got, envoyAdmin)
	}
	if envoyAdmin != "127.0.0.1:0" && info.EnvoyAdmin != "http://"+envoyAdmin || !strings.HasPrefix(info.EnvoyAdmin, "http://127.0.0.1:") {
		t.Errorf("Envoy's admin at %s, asked for %s", info.EnvoyAdmin, envoyAdmin)
	}
	cms, err := envoy.ConnectionManagers(b)
	if err != nil || len(cms) != 1 {
		t.Fatalf("%d listeners: %v", len(cms), err)
	}
	if got := net.JoinHostPort(cms[0].Address, itoa(cms[0].Port)); got != listen {
		t.Errorf("listener %s, want %s", got, listen)
	}
	var clusters []string
	for _, c := range b.GetStaticResources().GetClusters() {
		clusters = append(clusters, c.GetName())
		eps := envoy.Endpoints(c)
		var want string
		switch c.GetName() {
		case "tollgate":
			want = info.Tollgate
		case "mock-anthropic", "mock-openai", "mock-gemini":
			want = strings.TrimPrefix(info.Mock, "http://")
		}
		if len(eps) != 1 || addr(eps[0]) != want || c.GetType() != clusterv3.Cluster_STATIC {
			t.Errorf("cluster %s: %s endpoints %v, want STATIC %s", c.GetName(), c.GetType(), eps, want)
		}
	}
	sort.Strings(clusters)
	if !slices.Equal(clusters, []string{"mock-anthropic", "mock-gemini", "mock-openai", "tollgate"}) {
		t.Errorf("clusters %v: want only those of the quickstart's providers and tollgate", clusters)
	}
	routes, err := envoy.ProviderRoutes(b)
	if err != nil || len(routes) != 3 || routes["mock-anthropic"].Cluster != "mock-anthropic" || routes["mock-openai"].Cluster != "mock-openai" ||
		routes["mock-gemini"].Cluster != "mock-gemini" {
		t.Errorf("provider routes %v %v", routes, err)
	}
}
