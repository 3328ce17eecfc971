package deploytest

import (
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

const chartDir = "charts/tollgate"

// strictDecoder decodes manifests into client-go's typed objects and rejects unknown or
// duplicate fields, so a misspelt field in a template fails the test.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// rendered is one chart render: every manifest decoded, by kind and name.
type rendered struct {
	files   map[string]string         // template path → rendered text
	objects map[string]runtime.Object // "Kind/name" → typed object, or *unstructured.Unstructured
	order   []string                  // keys of objects in render order
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(repoPath(chartDir))
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return ch
}

// renderChart renders the chart as `helm template` would for an install of release in ns.
func renderChart(ch *chart.Chart, release, ns string, overrides map[string]any) (map[string]string, error) {
	vals, err := chartutil.ToRenderValues(ch, overrides,
		chartutil.ReleaseOptions{Name: release, Namespace: ns, Revision: 1, IsInstall: true},
		chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, vals)
}

// decodeRender renders the chart and decodes every manifest; it fails the test on any error.
func decodeRender(t *testing.T, release, ns string, overrides map[string]any) *rendered {
	t.Helper()
	ch := loadChart(t)
	files, err := renderChart(ch, release, ns, overrides)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return decodeFiles(t, files)
}

// decodeFiles decodes every manifest of a render; it fails the test on any error.
func decodeFiles(t *testing.T, files map[string]string) *rendered {
	t.Helper()
	r := &rendered{files: files, objects: map[string]runtime.Object{}}
	for _, path := range sortedKeys(files) {
		if strings.HasSuffix(path, "NOTES.txt") || strings.HasSuffix(path, ".tpl") {
			continue
		}
		docs := releaseutil.SplitManifests(files[path])
		for _, key := range sortedManifestKeys(docs) {
			doc := docs[key]
			if strings.TrimSpace(doc) == "" {
				continue
			}
			obj, err := decodeManifest([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v\n%s", path, err, doc)
			}
			id := objectID(obj)
			if _, dup := r.objects[id]; dup {
				t.Fatalf("%s: %s rendered twice", path, id)
			}
			r.objects[id] = obj
			r.order = append(r.order, id)
		}
	}
	return r
}

// sortedManifestKeys orders SplitManifests' "manifest-N" keys numerically.
func sortedManifestKeys(docs map[string]string) []string {
	keys := sortedKeys(docs)
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return keys
}

// decodeManifest decodes one YAML document into a typed object when client-go knows its kind,
// and into Unstructured (for CRDs such as ServiceMonitor) otherwise.
func decodeManifest(doc []byte) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(doc, nil, nil)
	if err == nil {
		return obj, nil
	}
	if !runtime.IsNotRegisteredError(err) {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, err
	}
	return u, nil
}

func objectID(obj runtime.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	name := ""
	if m, ok := obj.(interface{ GetName() string }); ok {
		name = m.GetName()
	}
	return kind + "/" + name
}

// get returns the object of the given kind and name, typed as T, or fails the test.
func get[T runtime.Object](t *testing.T, r *rendered, kind, name string) T {
	t.Helper()
	obj, ok := r.objects[kind+"/"+name]
	if !ok {
		t.Fatalf("no %s/%s rendered; have %v", kind, name, r.order)
	}
	typed, ok := obj.(T)
	if !ok {
		t.Fatalf("%s/%s is %T", kind, name, obj)
	}
	return typed
}

// kinds counts the rendered objects by kind.
func (r *rendered) kinds() map[string]int {
	out := map[string]int{}
	for id := range r.objects {
		out[strings.SplitN(id, "/", 2)[0]]++
	}
	return out
}

// container returns the named container of a Deployment's pod template.
func container(t *testing.T, d *appsv1.Deployment, name string) corev1.Container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("deployment %s has no container %s", d.Name, name)
	return corev1.Container{}
}

// containerPort returns the number of a named container port.
func containerPort(t *testing.T, c corev1.Container, name string) int {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort)
		}
	}
	t.Fatalf("container %s has no port %s", c.Name, name)
	return 0
}

// selects reports whether selector labels all appear in labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
