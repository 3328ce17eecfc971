package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/envoy"
)

// loadCompose loads docker-compose.yaml the way `docker compose` does (interpolation,
// normalisation, consistency checks), with paths resolved against the repository root and
// without the caller's environment.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yaml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(nil),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("load docker-compose.yaml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

// bindTarget returns the container path at which the repository file rel is bind-mounted.
func bindTarget(t *testing.T, s types.ServiceConfig, rel string) string {
	t.Helper()
	want, err := filepath.Abs(repoPath(rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source == want {
			return v.Target
		}
	}
	t.Fatalf("service %s does not mount %s", s.Name, rel)
	return ""
}

// flagValue returns the value following flag in a command line.
func flagValue(t *testing.T, cmd []string, flag string) string {
	t.Helper()
	i := slices.Index(cmd, flag)
	if i < 0 || i+1 >= len(cmd) {
		t.Fatalf("command %q has no %s value", cmd, flag)
	}
	return cmd[i+1]
}

func publishes(s types.ServiceConfig, port int) bool {
	for _, p := range s.Ports {
		if int(p.Target) == port && p.Published != "" {
			return true
		}
	}
	return false
}

// tollgateAddrs is the part of tollgate.yaml these tests need: its two listen addresses.
type tollgateAddrs struct {
	Listen string `json:"listen"`
	Admin  string `json:"admin"`
}

func loadTollgateAddrs(t *testing.T, b []byte) (listenPort, adminPort int) {
	t.Helper()
	var c tollgateAddrs
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("tollgate config: %v", err)
	}
	_, listenPort, err := splitHostPort(c.Listen)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_, adminPort, err = splitHostPort(c.Admin)
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	return listenPort, adminPort
}

func loadComposeEnvoy(t *testing.T) *bootstrapv3.Bootstrap {
	t.Helper()
	return parseEnvoy(t, "envoy/envoy.yaml", readRepoFile(t, "envoy/envoy.yaml"))
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{"envoy", "grafana", "mock", "prometheus", "ratelimit", "redis", "tollgate"}
	if got := p.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Fatalf("services = %v, want %v", got, want)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestComposeBindMountsExist(t *testing.T) {
	p := loadCompose(t)
	binds := 0
	for _, name := range p.ServiceNames() {
		for _, v := range service(t, p, name).Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			binds++
			fi, err := os.Stat(v.Source)
			if err != nil {
				t.Errorf("%s: bind source: %v", name, err)
				continue
			}
			// A target with a file extension is a file mount; a directory there would
			// make the service read a directory as its config.
			if filepath.Ext(v.Target) != "" && fi.IsDir() {
				t.Errorf("%s: %s is a directory mounted at file path %s", name, v.Source, v.Target)
			}
		}
	}
	if binds == 0 {
		t.Fatal("no bind mounts found")
	}
}

// pinnedTag accepts a release tag with at least major.minor.patch, or a digest.
var pinnedTag = regexp.MustCompile(`(^[^@]+:v?\d+\.\d+\.\d+[\w.-]*$)|(@sha256:[0-9a-f]{64}$)`)

// commitTag accepts the commit tags of envoyproxy/ratelimit, whose images are tagged with
// the commit they were built from (its last release tag is years older than the code CI
// tests); compose_budgets_test.go ties the commit to the tested one.
var commitTag = regexp.MustCompile(`^envoyproxy/ratelimit:[0-9a-f]{8}$`)

func TestComposeImagesPinned(t *testing.T) {
	p := loadCompose(t)
	for _, name := range p.ServiceNames() {
		s := service(t, p, name)
		if s.Build != nil {
			// Built here from the Dockerfile; the tag is local.
			if s.Image == "" || strings.HasSuffix(s.Image, ":latest") {
				t.Errorf("%s: built image needs an explicit non-latest tag, got %q", name, s.Image)
			}
			continue
		}
		if !pinnedTag.MatchString(s.Image) && !commitTag.MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned to a release tag or digest", name, s.Image)
		}
	}
}

func TestComposeTollgateService(t *testing.T) {
	p := loadCompose(t)
	tg := service(t, p, "tollgate")
	if tg.Build == nil {
		t.Fatal("tollgate: no build section")
	}
	if tg.Command[0] != "serve" {
		t.Errorf("tollgate command = %q, want serve", tg.Command)
	}
	if got, want := flagValue(t, tg.Command, "-config"), bindTarget(t, tg, "deploy/tollgate.yaml"); got != want {
		t.Errorf("tollgate -config %s, but deploy/tollgate.yaml is mounted at %s", got, want)
	}
	// tollgate's gRPC port injects provider credentials into any request that reaches it:
	// only Envoy, on the compose network, may. Its admin port is scraped there too.
	if len(tg.Ports) != 0 {
		t.Errorf("tollgate publishes %+v; it must publish no port", tg.Ports)
	}
	mock := service(t, p, "mock")
	if len(mock.Ports) != 0 {
		t.Errorf("mock publishes %+v; only Envoy talks to it", mock.Ports)
	}
	if mock.Image != tg.Image {
		t.Errorf("mock image %q, want tollgate's %q", mock.Image, tg.Image)
	}
	if mock.Command[0] != "mock" {
		t.Errorf("mock command = %q", mock.Command)
	}
}

func TestComposeEnvoyWiring(t *testing.T) {
	p := loadCompose(t)
	ev := service(t, p, "envoy")
	target := bindTarget(t, ev, "envoy/envoy.yaml")
	if got := flagValue(t, ev.Command, "-c"); got != target {
		t.Errorf("envoy -c %s, but envoy/envoy.yaml is mounted at %s", got, target)
	}
	conf := loadComposeEnvoy(t)
	for _, port := range listenerPorts(conf) {
		if !publishes(ev, port) {
			t.Errorf("envoy does not publish port %d from envoy.yaml", port)
		}
	}
	// Envoy's admin API (config dump, /quitquitquit, no authentication) listens on the
	// container's loopback, where a published port could not reach it anyway: publish none.
	admin := adminAddress(conf)
	if admin.GetAddress() != "127.0.0.1" {
		t.Errorf("envoy.yaml binds the admin API to %s, want 127.0.0.1", addr(admin))
	}
	for _, pc := range ev.Ports {
		if int(pc.Target) == int(admin.GetPortValue()) {
			t.Errorf("envoy publishes its loopback-only admin port %d (%+v)", pc.Target, pc)
		}
	}
	if !slices.Contains(listenerPorts(conf), 10000) {
		t.Errorf("envoy.yaml listeners %v: want 10000", listenerPorts(conf))
	}

	// ext_proc → the tollgate service on its configured listen port.
	listen, _ := loadTollgateAddrs(t, readRepoFile(t, "deploy/tollgate.yaml"))
	clusters := extProcClusters(t, conf)
	if len(clusters) == 0 {
		t.Fatal("envoy.yaml has no ext_proc filter with an envoy_grpc cluster")
	}
	for _, cl := range clusters {
		eps, err := envoy.ClusterEndpoints(conf, cl)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			if e.GetAddress() != "tollgate" || int(e.GetPortValue()) != listen {
				t.Errorf("ext_proc cluster %s endpoint %s, want tollgate:%d", cl, addr(e), listen)
			}
		}
	}

	// Every provider of the compose tollgate.yaml is routed to a compose service, and the
	// mock clusters use the mock's listen port.
	_, mockPort, err := splitHostPort(flagValue(t, service(t, p, "mock").Command, "-listen"))
	if err != nil {
		t.Fatal(err)
	}
	routes := providerRoutes(t, conf)
	providers := providerNames(t, readRepoFile(t, "deploy/tollgate.yaml"))
	if len(providers) == 0 {
		t.Fatal("deploy/tollgate.yaml has no providers")
	}
	for _, name := range providers {
		cl, ok := routes[name]
		if !ok {
			t.Errorf("provider %s has no envoy route", name)
			continue
		}
		eps, err := envoy.ClusterEndpoints(conf, cl)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, e := range eps {
			if _, err := p.GetService(e.GetAddress()); err != nil {
				t.Errorf("provider %s: cluster %s endpoint %s is not a compose service", name, cl, addr(e))
			}
			if e.GetAddress() == "mock" && int(e.GetPortValue()) != mockPort {
				t.Errorf("provider %s: cluster %s endpoint %s, but mock listens on %d", name, cl, addr(e), mockPort)
			}
		}
	}
}

// providerNames returns the providers[].name of a tollgate config.
func providerNames(t *testing.T, b []byte) []string {
	t.Helper()
	var cfg struct {
		Providers []struct {
			Name string `json:"name"`
		} `json:"providers"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("tollgate config: %v", err)
	}
	var out []string
	for _, p := range cfg.Providers {
		out = append(out, p.Name)
	}
	return out
}

// promConfig is the part of prometheus.yml these tests read, decoded strictly so that a
// misspelt key fails here rather than being ignored by the test.
type promConfig struct {
	Global        map[string]string `json:"global"`
	RuleFiles     []string          `json:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `json:"job_name"`
		MetricsPath   string `json:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
	} `json:"scrape_configs"`
}

func TestComposePrometheusTargets(t *testing.T) {
	p := loadCompose(t)
	prom := service(t, p, "prometheus")
	target := bindTarget(t, prom, "deploy/prometheus/prometheus.yml")
	if !slices.Contains(prom.Command, "--config.file="+target) {
		t.Errorf("prometheus command %q does not load %s", prom.Command, target)
	}
	var cfg promConfig
	if err := yaml.UnmarshalStrict(readRepoFile(t, "deploy/prometheus/prometheus.yml"), &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	_, admin := loadTollgateAddrs(t, readRepoFile(t, "deploy/tollgate.yaml"))
	// Envoy's admin API is loopback-only in its container, so no job scrapes it.
	want := map[string]string{ // job → target path and address
		"tollgate": "/metrics tollgate:" + strconv.Itoa(admin),
	}
	got := map[string]string{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, tgt := range st.Targets {
				host, _, err := splitHostPort(tgt)
				if err != nil {
					t.Errorf("job %s: %v", sc.JobName, err)
					continue
				}
				if _, err := p.GetService(host); err != nil {
					t.Errorf("job %s target %s is not a compose service", sc.JobName, tgt)
				}
				path := sc.MetricsPath
				if path == "" {
					path = "/metrics"
				}
				got[sc.JobName] = path + " " + tgt
			}
		}
	}
	for job, w := range want {
		if got[job] != w {
			t.Errorf("job %s scrapes %q, want %q", job, got[job], w)
		}
	}
	for job := range got {
		if _, ok := want[job]; !ok {
			t.Errorf("job %s scrapes %q, which no test expects", job, got[job])
		}
	}
}

// grafanaDatasources is Grafana's datasource provisioning file.
type grafanaDatasources struct {
	APIVersion  int `json:"apiVersion"`
	Datasources []struct {
		Name      string `json:"name"`
		UID       string `json:"uid"`
		Type      string `json:"type"`
		Access    string `json:"access"`
		URL       string `json:"url"`
		IsDefault bool   `json:"isDefault"`
		Editable  bool   `json:"editable"`
	} `json:"datasources"`
}

// grafanaDashboardProviders is Grafana's dashboard provisioning file.
type grafanaDashboardProviders struct {
	APIVersion int `json:"apiVersion"`
	Providers  []struct {
		Name            string `json:"name"`
		Folder          string `json:"folder"`
		Type            string `json:"type"`
		DisableDeletion bool   `json:"disableDeletion"`
		AllowUIUpdates  bool   `json:"allowUiUpdates"`
		Options         struct {
			Path                      string `json:"path"`
			FoldersFromFilesStructure bool   `json:"foldersFromFilesStructure"`
		} `json:"options"`
	} `json:"providers"`
}

func TestComposeGrafanaProvisioning(t *testing.T) {
	p := loadCompose(t)
	g := service(t, p, "grafana")
	if g.Environment["GF_AUTH_ANONYMOUS_ENABLED"] == nil || *g.Environment["GF_AUTH_ANONYMOUS_ENABLED"] != "true" {
		t.Error("grafana: anonymous access is not enabled")
	}
	if r := g.Environment["GF_AUTH_ANONYMOUS_ORG_ROLE"]; r == nil || *r != "Viewer" {
		t.Error("grafana: anonymous role is not Viewer")
	}
	if !publishes(g, 3000) {
		t.Error("grafana does not publish 3000")
	}
	dsDir := bindTarget(t, g, "deploy/grafana/provisioning/datasources")
	dbDir := bindTarget(t, g, "deploy/grafana/provisioning/dashboards")
	if dsDir != "/etc/grafana/provisioning/datasources" || dbDir != "/etc/grafana/provisioning/dashboards" {
		t.Errorf("provisioning mounted at %s and %s", dsDir, dbDir)
	}

	var ds grafanaDatasources
	if err := yaml.UnmarshalStrict(readRepoFile(t, "deploy/grafana/provisioning/datasources/prometheus.yaml"), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("datasources = %+v, want the prometheus service at :9090", ds.Datasources)
	}
	if !publishes(service(t, p, "prometheus"), 9090) {
		t.Error("prometheus does not serve 9090")
	}

	var dp grafanaDashboardProviders
	if err := yaml.UnmarshalStrict(readRepoFile(t, "deploy/grafana/provisioning/dashboards/tollgate.yaml"), &dp); err != nil {
		t.Fatal(err)
	}
	dashDir := bindTarget(t, g, "deploy/grafana/dashboards")
	if len(dp.Providers) != 1 || dp.Providers[0].Options.Path != dashDir {
		t.Errorf("dashboard providers = %+v, want one reading %s", dp.Providers, dashDir)
	}
	if home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; home == nil || *home != dashDir+"/tollgate.json" {
		t.Errorf("home dashboard %v, want %s/tollgate.json", home, dashDir)
	}
}

// TestComposeAdminUIsOnLoopback: Prometheus (with its lifecycle API) and Grafana (default admin
// login) are published on the host's loopback only; Envoy's listener is the one port for others.
func TestComposeAdminUIsOnLoopback(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"prometheus", "grafana"} {
		s := service(t, p, name)
		if len(s.Ports) == 0 {
			t.Errorf("%s publishes no port", name)
		}
		for _, pc := range s.Ports {
			if pc.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q, want 127.0.0.1", name, pc.Published, pc.HostIP)
			}
		}
	}
}

// localhostURL finds the host ports the quickstart texts tell users to open.
var localhostURL = regexp.MustCompile(`localhost:(\d+)`)

// TestQuickstartURLsArePublished: every localhost:PORT in the quickstart texts (README,
// deploy/README.md, the compose file's header) is a port compose publishes. The README once
// sent users to tollgate's admin port, which must not be published.
func TestQuickstartURLsArePublished(t *testing.T) {
	p := loadCompose(t)
	published := map[string]string{}
	for _, name := range p.ServiceNames() {
		for _, pc := range service(t, p, name).Ports {
			published[pc.Published] = name
		}
	}
	for _, f := range []string{"README.md", "deploy/README.md", "docker-compose.yaml"} {
		text := string(readRepoFile(t, f))
		if f == "README.md" { // only the quickstart: the rest describes other deployments
			start := strings.Index(text, "## Quickstart")
			end := strings.Index(text[start+1:], "\n## ")
			if start < 0 || end < 0 {
				t.Fatal("README.md has no Quickstart section")
			}
			text = text[start : start+1+end]
		}
		found := localhostURL.FindAllStringSubmatch(text, -1)
		if len(found) == 0 {
			t.Errorf("%s: no localhost URL found", f)
		}
		for _, m := range found {
			if _, ok := published[m[1]]; !ok {
				t.Errorf("%s points at localhost:%s, which compose does not publish", f, m[1])
			}
		}
	}
}
