package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/deploy/release/internal/relkit"
)

// placeholder is the value render gives, for CI, to each variable the chart supplies from a
// Secret: tollgate check needs every ${VAR} set, and CI has no business holding the keys.
const placeholder = "placeholder-set-from-a-secret"

// envName is a variable name safe to write unquoted into an env file.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// rendered holds what render extracts from the chart.
type renderedChart struct {
	tollgate, envoy []byte
	env             map[string]string // variables the chart gives the tollgate container
}

// renderChart renders a chart as `helm template` would with the same -f and --set flags, and
// extracts the tollgate.yaml and envoy.yaml of its ConfigMaps.
func renderChart(chartDir string, valueFiles, sets []string, release, namespace string) (*renderedChart, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", chartDir, err)
	}
	vals, err := mergeValues(valueFiles, sets)
	if err != nil {
		return nil, err
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	r := &renderedChart{env: map[string]string{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for _, doc := range releaseutil.SplitManifests(files[name]) {
			var cm struct {
				Kind string            `json:"kind"`
				Data map[string]string `json:"data"`
			}
			if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if cm.Kind != "ConfigMap" {
				continue
			}
			for key, dst := range map[string]*[]byte{"tollgate.yaml": &r.tollgate, "envoy.yaml": &r.envoy} {
				if v, ok := cm.Data[key]; ok {
					if *dst != nil {
						return nil, fmt.Errorf("two ConfigMaps hold %s", key)
					}
					*dst = []byte(v)
				}
			}
		}
	}
	if r.tollgate == nil {
		return nil, errors.New("no ConfigMap holds tollgate.yaml")
	}

	// The container's environment: providerSecrets (from Secrets) and extraEnv.
	merged := rv["Values"].(chartutil.Values)
	var env struct {
		ProviderSecrets []struct {
			Env string `json:"env"`
		} `json:"providerSecrets"`
		ExtraEnv []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"extraEnv"`
	}
	b, err := yaml.Marshal(merged)
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(b, &env); err != nil {
		return nil, err
	}
	for _, s := range env.ProviderSecrets {
		r.env[s.Env] = placeholder
	}
	for _, e := range env.ExtraEnv {
		v := e.Value
		if v == "" {
			v = placeholder // valueFrom
		}
		r.env[e.Name] = v
	}
	for k := range r.env {
		if !envName.MatchString(k) {
			return nil, fmt.Errorf("environment variable name %q", k)
		}
	}
	return r, nil
}

// mergeValues merges values files and --set flags as the helm CLI does (helm's
// pkg/cli/values, whose dependencies are too heavy to import here): maps merge key by key,
// later files win, --set last.
func mergeValues(files, sets []string) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cur := map[string]any{}
		if err := yaml.Unmarshal(b, &cur); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		base = mergeMaps(base, cur)
	}
	for _, s := range sets {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("-set %s: %w", s, err)
		}
	}
	return base, nil
}

// mergeMaps is helm's: b's keys win, maps merge recursively.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// envFile renders variables as NAME='value' lines, for `set -a; . FILE; set +a`.
func envFile(env map[string]string) []byte {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	return []byte(b.String())
}

func render(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("render", stderr)
	chartDir := fs.String("chart", "charts/tollgate", "chart directory")
	var valueFiles, sets multiFlag
	fs.Var(&valueFiles, "f", "values file (repeatable, later wins, as helm -f)")
	fs.Var(&sets, "set", "KEY=VALUE (repeatable, as helm --set)")
	release := fs.String("release", "tollgate", "release name")
	namespace := fs.String("namespace", "tollgate", "namespace")
	out := fs.String("out", "", "directory to write tollgate.yaml, envoy.yaml and env into")
	if !parseFlags(fs, args, "out") {
		return 2
	}
	r, err := renderChart(*chartDir, valueFiles, sets, *release, *namespace)
	if err != nil {
		return fail(stderr, "render", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(stderr, "render", err)
	}
	for name, data := range map[string][]byte{"tollgate.yaml": r.tollgate, "envoy.yaml": r.envoy, "env": envFile(r.env)} {
		if data == nil {
			continue // envoy.enabled: false
		}
		if err := relkit.WriteFileAtomic(filepath.Join(*out, name), data); err != nil {
			return fail(stderr, "render", err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s/tollgate.yaml, envoy.yaml and env (%d variables the chart sets from Secrets or extraEnv)\n", *out, len(r.env))
	return 0
}
