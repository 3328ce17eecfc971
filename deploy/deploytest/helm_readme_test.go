package deploytest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/tollgate/tollgate/check"
)

const chartReadme = "charts/tollgate/README.md"

// helmCommand is a `helm install` or `helm template` of the chart README.
type helmCommand struct {
	release, chart, namespace, valuesFile, showOnly string
	createNamespace                                 bool
}

func parseHelm(t *testing.T, words []string) helmCommand {
	t.Helper()
	flags, args := flagArgs(words[2:], "create-namespace")
	if len(args) != 2 {
		t.Fatalf("%q: want RELEASE CHART, got %q", strings.Join(words, " "), args)
	}
	h := helmCommand{release: args[0], chart: args[1], createNamespace: flags["create-namespace"] == "true"}
	for _, n := range []string{"n", "namespace"} {
		if v, ok := flags[n]; ok {
			h.namespace = v
		}
	}
	for _, n := range []string{"f", "values"} {
		if v, ok := flags[n]; ok {
			h.valuesFile = v
		}
	}
	h.showOnly = flags["show-only"]
	if h.chart != chartDir {
		t.Errorf("%q installs %s, want the chart at %s", strings.Join(words, " "), h.chart, chartDir)
	}
	if h.namespace == "" {
		t.Errorf("%q: no -n: the release would go to the current context's namespace, not the Secret's", strings.Join(words, " "))
	}
	return h
}

// readmeValues is the README's my-values.yaml, with its `<...>` placeholders filled in as a
// reader would: a key_sha256 with a SHA-256, anything else with a token.
func readmeValues(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("my-values.yaml: %v", err)
	}
	var fill func(key string, x any) any
	fill = func(key string, x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = fill(k, e)
			}
		case []any:
			for i, e := range x {
				x[i] = fill(key, e)
			}
		case string:
			if placeholder.MatchString(x) {
				if key == "key_sha256" {
					sum := sha256.Sum256([]byte("tg-readme-key"))
					return hex.EncodeToString(sum[:])
				}
				return "filled-in"
			}
		}
		return x
	}
	return fill("", v).(map[string]any)
}

// installSteps is what the README's Install block creates.
type installSteps struct {
	namespaces map[string]bool                       // created before the install
	secrets    map[string]map[string]map[string]bool // namespace → Secret → keys
	helm       helmCommand
	values     map[string]any
}

func readInstallSteps(t *testing.T) installSteps {
	t.Helper()
	sec := markdownSection(t, string(readRepoFile(t, chartReadme)), "Install")
	blocks := codeBlocks(sec)
	sh, ys := blocksOf(blocks, "sh"), blocksOf(blocks, "yaml")
	if len(sh) != 1 || len(ys) != 1 {
		t.Fatalf("Install has %d sh and %d yaml blocks, want the commands and my-values.yaml", len(sh), len(ys))
	}
	if !strings.Contains(sec, "`my-values.yaml`") {
		t.Error("Install does not say which file the yaml block is")
	}
	st := installSteps{namespaces: map[string]bool{}, secrets: map[string]map[string]map[string]bool{}}
	installs := 0
	for _, w := range shellCommands(t, sh[0]) {
		switch {
		case len(w) >= 4 && w[0] == "kubectl" && slices.Contains(w, "create") && slices.Contains(w, "namespace"):
			st.namespaces[w[len(w)-1]] = true
		case w[0] == "kubectl" && slices.Contains(w, "secret"):
			flags, args := flagArgs(w[1:])
			ns := flags["n"] + flags["namespace"]
			if ns == "" {
				t.Errorf("%q creates the Secret in the current context's namespace: give -n", strings.Join(w, " "))
			}
			if len(args) != 4 || args[0] != "create" || args[1] != "secret" || args[2] != "generic" {
				t.Fatalf("%q: want kubectl create secret generic NAME", strings.Join(w, " "))
			}
			keys := map[string]bool{}
			for _, f := range []string{"from-literal", "from-file"} {
				for _, kv := range strings.Split(flags[f], "\n") {
					if k, _, ok := strings.Cut(kv, "="); ok {
						keys[k] = true
					}
				}
			}
			if st.secrets[ns] == nil {
				st.secrets[ns] = map[string]map[string]bool{}
			}
			st.secrets[ns][args[3]] = keys
		case w[0] == "helm" && w[1] == "install":
			installs++
			st.helm = parseHelm(t, w)
		}
	}
	if installs != 1 {
		t.Fatalf("Install has %d helm install commands, want 1", installs)
	}
	if st.helm.valuesFile != "my-values.yaml" {
		t.Errorf("helm install -f %q, want the my-values.yaml shown", st.helm.valuesFile)
	}
	st.values = readmeValues(t, ys[0])
	return st
}

// TestChartInstallSteps runs the chart README's Install steps against the rendered chart: the
// release goes to a namespace that exists (created by the steps), and every Secret a pod reads
// (env secretKeyRef, envFrom, secret volumes) is one the steps create, with the key the pod
// reads, in the release's namespace, or one the chart renders itself. The README once created
// the provider Secret in the default namespace and installed the release in another, so the
// tollgate pods could never start.
func TestChartInstallSteps(t *testing.T) {
	st := readInstallSteps(t)
	ns := st.helm.namespace
	if !st.namespaces[ns] && !st.helm.createNamespace {
		t.Errorf("helm install -n %s, but the steps never create namespace %s", ns, ns)
	}
	created := st.secrets[ns]
	if len(created) == 0 {
		t.Fatalf("the steps create no Secret in the release's namespace %s (they create %v)", ns, st.secrets)
	}

	r := decodeRender(t, st.helm.release, ns, st.values)
	rendered := map[string]map[string]bool{} // Secrets of the chart: name → keys
	for _, id := range r.order {
		if s, ok := r.objects[id].(*corev1.Secret); ok {
			keys := map[string]bool{}
			for k := range s.Data {
				keys[k] = true
			}
			for k := range s.StringData {
				keys[k] = true
			}
			rendered[s.Name] = keys
		}
		if m, ok := r.objects[id].(interface{ GetNamespace() string }); ok && m.GetNamespace() != "" && m.GetNamespace() != ns {
			t.Errorf("%s is rendered into namespace %s, not the release's %s", id, m.GetNamespace(), ns)
		}
	}

	fromSteps := 0
	resolve := func(where, name, key string, optional bool) {
		keys, ok := created[name]
		if ok {
			fromSteps++
		} else if keys, ok = rendered[name]; !ok {
			if !optional {
				t.Errorf("%s reads Secret %s, which neither the Install steps (in %s) nor the chart create", where, name, ns)
			}
			return
		}
		if key != "" && !keys[key] && !optional {
			t.Errorf("%s reads key %q of Secret %s, which has only %v", where, key, name, sortedKeys(keys))
		}
	}
	for _, id := range r.order {
		d, ok := r.objects[id].(*appsv1.Deployment)
		if !ok {
			continue
		}
		spec := d.Spec.Template.Spec
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			for _, e := range c.Env {
				if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
					k := ref.SecretKeyRef
					resolve(d.Name+"/"+c.Name+" env "+e.Name, k.Name, k.Key, k.Optional != nil && *k.Optional)
				}
			}
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					resolve(d.Name+"/"+c.Name+" envFrom", e.SecretRef.Name, "", e.SecretRef.Optional != nil && *e.SecretRef.Optional)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				resolve(d.Name+" volume "+v.Name, v.Secret.SecretName, "", v.Secret.Optional != nil && *v.Secret.Optional)
			}
		}
	}
	if fromSteps == 0 {
		t.Error("no pod reads the Secret the Install steps create: the test checked nothing")
	}
}

// TestChartValidationStep runs the chart README's validation commands on the rendered chart:
// each `helm template ... --show-only T | awk 'PROG' > FILE` is the rendered template T, as helm
// prints it, through the README's awk program (the real awk), and must give the file the
// ConfigMap holds; then `tollgate check` with the README's flags and environment passes on the
// two files.
func TestChartValidationStep(t *testing.T) {
	awk, err := exec.LookPath("awk")
	if err != nil {
		t.Skip("no awk on PATH: the README's extraction cannot be run")
	}
	st := readInstallSteps(t)
	sec := markdownSection(t, string(readRepoFile(t, chartReadme)), "Validate a values file before a release")
	sh := blocksOf(codeBlocks(sec), "sh")
	if len(sh) != 1 {
		t.Fatalf("the validation section has %d sh blocks, want 1", len(sh))
	}
	dir := t.TempDir()
	ch := loadChart(t)
	written := map[string]string{} // file → template it came from
	var checkCmd []string
	for _, w := range shellCommands(t, sh[0]) {
		if w[0] == "helm" {
			pipe := slices.Index(w, "|")
			redirect := slices.Index(w, ">")
			if pipe < 0 || redirect != len(w)-2 || w[pipe+1] != "awk" || redirect != pipe+3 {
				t.Fatalf("%q: want helm template ... | awk 'PROG' > FILE", strings.Join(w, " "))
			}
			h := parseHelm(t, w[:pipe])
			if h.namespace != st.helm.namespace || h.release != st.helm.release || h.valuesFile != st.helm.valuesFile {
				t.Errorf("%q renders another release than the Install steps install (%+v)", strings.Join(w[:pipe], " "), st.helm)
			}
			files, err := renderChart(ch, h.release, h.namespace, st.values)
			if err != nil {
				t.Fatal(err)
			}
			tmpl, ok := files["tollgate/"+h.showOnly]
			if !ok {
				t.Fatalf("--show-only %s: no such template", h.showOnly)
			}
			cmd := exec.Command(awk, w[pipe+2])
			// What `helm template --show-only` prints for one template.
			cmd.Stdin = strings.NewReader("---\n# Source: tollgate/" + h.showOnly + "\n" + tmpl + "\n")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("awk %q: %v", w[pipe+2], err)
			}
			file := w[len(w)-1]
			if err := os.WriteFile(filepath.Join(dir, file), out, 0o600); err != nil {
				t.Fatal(err)
			}
			written[file] = h.showOnly
			compareWithConfigMap(t, tmpl, file, string(out))
			continue
		}
		checkCmd = w
	}

	// [NAME=value ...] tollgate check flags
	env := map[string]string{}
	for len(checkCmd) > 0 && strings.Contains(checkCmd[0], "=") {
		k, v, _ := strings.Cut(checkCmd[0], "=")
		env[k] = v
		checkCmd = checkCmd[1:]
	}
	if len(checkCmd) < 2 || checkCmd[0] != "tollgate" || checkCmd[1] != "check" {
		t.Fatalf("the last command is %q, want tollgate check", checkCmd)
	}
	flags, _ := flagArgs(checkCmd[2:], "strict")
	for _, f := range []string{"config", "envoy"} {
		if _, ok := written[flags[f]]; !ok {
			t.Errorf("check -%s %s is not a file the commands above wrote (%v)", f, flags[f], written)
		}
	}
	rep := check.Run(check.Options{
		Config: filepath.Join(dir, flags["config"]), Envoy: filepath.Join(dir, flags["envoy"]), Strict: flags["strict"] == "true",
		Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if !rep.OK || len(rep.Warnings) != 0 {
		t.Errorf("check on the README's files: errors %q, warnings %q", rep.Errors, rep.Warnings)
	}
	if flags["strict"] != "true" {
		t.Error("the README's check is not -strict: the release gate would let warnings through")
	}
}

// compareWithConfigMap: out (what awk cut from the rendered template tmpl) is the file the
// ConfigMap in tmpl holds under the key that names the file (tollgate.yaml, envoy.yaml).
func compareWithConfigMap(t *testing.T, tmpl, file, out string) {
	t.Helper()
	r := decodeFiles(t, map[string]string{"t.yaml": tmpl})
	var cm *corev1.ConfigMap
	for _, id := range r.order {
		if c, ok := r.objects[id].(*corev1.ConfigMap); ok {
			cm = c
		}
	}
	if cm == nil {
		t.Fatalf("%s: the template holds no ConfigMap", file)
	}
	key := strings.Replace(file, ".rendered", "", 1)
	want, ok := cm.Data[key]
	if !ok {
		t.Fatalf("ConfigMap %s has no %s (keys %v)", cm.Name, key, sortedKeys(cm.Data))
	}
	// A block scalar keeps one final newline; awk prints the trailing blank lines too.
	if strings.TrimRight(out, "\n") != strings.TrimRight(want, "\n") {
		t.Errorf("awk gave %s (%d bytes) unlike the ConfigMap's %s (%d bytes)", file, len(out), key, len(want))
	}
}
