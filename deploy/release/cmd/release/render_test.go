package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/check"
)

const (
	chartDir  = "../../../../charts/tollgate"
	valuesDir = "../../values"
)

// readEnvFile reads render's env file (NAME='value' lines) the way `set -a; . FILE` does for
// these simple lines.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || !strings.HasPrefix(v, "'") || !strings.HasSuffix(v, "'") {
			t.Fatalf("env line %q", sc.Text())
		}
		env[k] = strings.ReplaceAll(v[1:len(v)-1], `'\''`, "'")
	}
	return env
}

// TestShippedValuesPassCheck is the pull-request workflow's step on the values this
// directory ships: render the chart for each environment and run tollgate check -strict
// (tollgate's own check package) on the rendered tollgate.yaml and envoy.yaml, with the env
// file's placeholders as the environment.
func TestShippedValuesPassCheck(t *testing.T) {
	for _, envName := range []string{"staging", "production"} {
		t.Run(envName, func(t *testing.T) {
			out := t.TempDir()
			code, _, _ := run(t, "render", "-chart", chartDir, "-f", filepath.Join(valuesDir, "common.yaml"),
				"-f", filepath.Join(valuesDir, envName+".yaml"), "-namespace", "tollgate-"+envName, "-out", out)
			if code != 0 {
				t.Fatalf("render: exit %d", code)
			}
			env := readEnvFile(t, filepath.Join(out, "env"))
			if env["ANTHROPIC_API_KEY"] != placeholder || env["OPENAI_API_KEY"] != placeholder {
				t.Errorf("env %v: want placeholders for the provider secrets", env)
			}
			r := check.Run(check.Options{
				Config: filepath.Join(out, "tollgate.yaml"), Envoy: filepath.Join(out, "envoy.yaml"), Strict: true,
				Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			})
			if !r.OK {
				t.Errorf("tollgate check -strict: errors %q warnings %q", r.Errors, r.Warnings)
			}
			if r.Keys == 0 || r.Providers != 2 {
				t.Errorf("report %+v", r)
			}
		})
	}
}

// TestRenderEnvironment: without the placeholders check fails on the unset variables, and
// a config variable the chart does not supply is not invented.
func TestRenderEnvironment(t *testing.T) {
	dir := t.TempDir()
	values := writeFile(t, filepath.Join(dir, "v.yaml"), `config:
  providers:
    - {name: anthropic, type: anthropic, api_key: "${ANTHROPIC_API_KEY}"}
    - {name: azure, type: azure_openai, api_key: "${AZURE_KEY}", api_version: v1}
extraEnv:
  - {name: AWS_REGION, value: "eu-west-1"}
  - name: FROM_FIELD
    valueFrom: {fieldRef: {fieldPath: metadata.name}}
`)
	out := filepath.Join(dir, "out")
	if code, _, _ := run(t, "render", "-chart", chartDir, "-f", values, "-out", out); code != 0 {
		t.Fatalf("render: exit %d", code)
	}
	env := readEnvFile(t, filepath.Join(out, "env"))
	// The chart's default providerSecrets supply the two provider keys.
	want := map[string]string{"ANTHROPIC_API_KEY": placeholder, "OPENAI_API_KEY": placeholder, "AWS_REGION": "eu-west-1", "FROM_FIELD": placeholder}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["AZURE_KEY"]; ok {
		t.Error("AZURE_KEY invented: the chart does not supply it")
	}
	r := check.Run(check.Options{Config: filepath.Join(out, "tollgate.yaml"),
		Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if r.OK || !strings.Contains(strings.Join(r.Errors, "\n"), "AZURE_KEY") {
		t.Errorf("check should fail on AZURE_KEY: %q", r.Errors)
	}

	// -set comes last, as with helm: a list given by -set replaces the list.
	out = filepath.Join(dir, "out-set")
	if code, _, _ := run(t, "render", "-chart", chartDir, "-f", values, "-out", out,
		"-set", "providerSecrets[0].env=AZURE_KEY,providerSecrets[0].existingSecret=azure,providerSecrets[0].key=api-key"); code != 0 {
		t.Fatalf("render -set: exit %d", code)
	}
	env = readEnvFile(t, filepath.Join(out, "env"))
	if env["AZURE_KEY"] != placeholder || env["ANTHROPIC_API_KEY"] != "" {
		t.Errorf("env with -set: %v", env)
	}
}

func TestRenderErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct {
		args []string
		want string
	}{
		"no chart":       {[]string{"-chart", filepath.Join(dir, "nope")}, "load chart"},
		"missing values": {[]string{"-chart", chartDir, "-f", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		"bad values":     {[]string{"-chart", chartDir, "-f", writeFile(t, filepath.Join(dir, "bad.yaml"), "config: [\n")}, "bad.yaml"},
		"bad set":        {[]string{"-chart", chartDir, "-set", "a[=1"}, "-set a[=1"},
		"chart error":    {[]string{"-chart", chartDir, "-set", "providerSecrets[0].env=X"}, "providerSecrets[].existingSecret is required"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := run(t, append(append([]string{"render"}, tt.args...), "-out", filepath.Join(dir, "out-"+name))...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d %q, want 1 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestMergeValues(t *testing.T) {
	a := map[string]any{"x": map[string]any{"a": 1, "b": map[string]any{"c": 2}}, "l": []any{1}}
	b := map[string]any{"x": map[string]any{"b": map[string]any{"d": 3}}, "l": []any{2}}
	got := mergeMaps(a, b)
	x := got["x"].(map[string]any)
	if x["a"] != 1 || x["b"].(map[string]any)["c"] != 2 || x["b"].(map[string]any)["d"] != 3 || got["l"].([]any)[0] != 2 {
		t.Errorf("merged %v", got)
	}
}
