package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	appsv1 "k8s.io/api/apps/v1"
)

const publishWorkflowPath = ".github/workflows/publish.yml"

// publishWorkflow is the part of .github/workflows/publish.yml these tests read. (goccy's
// YAML 1.2 keeps the key `on` a string; YAML 1.1 decoders read it as true.)
type publishWorkflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Strategy struct {
			Matrix map[string][]string `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Name string         `yaml:"name"`
			Uses string         `yaml:"uses"`
			Run  string         `yaml:"run"`
			With map[string]any `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func loadPublishWorkflow(t *testing.T) publishWorkflow {
	t.Helper()
	var w publishWorkflow
	if err := yaml.Unmarshal(readRepoFile(t, publishWorkflowPath), &w); err != nil {
		t.Fatalf("%s: %v", publishWorkflowPath, err)
	}
	return w
}

// step returns the `with` of job's step using the action (any version), and its `run`
// scripts joined.
func (w publishWorkflow) step(t *testing.T, job, uses string) map[string]any {
	t.Helper()
	for _, s := range w.Jobs[job].Steps {
		if strings.HasPrefix(s.Uses, uses+"@") {
			return s.With
		}
	}
	t.Fatalf("job %s has no %s step", job, uses)
	return nil
}

func (w publishWorkflow) scripts(job string) string {
	var out []string
	for _, s := range w.Jobs[job].Steps {
		out = append(out, strings.ReplaceAll(s.Run, "\\\n", " "))
	}
	return strings.Join(out, "\n")
}

// TestPublishWorkflowLint runs deploy/release/workflowlint's lint of .github/workflows, a
// module of its own (see its go.mod), which lints the workflows with actionlint's Go API.
func TestPublishWorkflowLint(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-v", "-run", "^TestWorkflowsLint$/^github/", "./...")
	cmd.Dir = repoPath("deploy/release/workflowlint")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in deploy/release/workflowlint: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestWorkflowsLint/github/publish.yml") {
		t.Fatalf("the publish workflow was not linted:\n%s", out)
	}
}

// TestPublishedImageIsTheChartDefault: on a version tag the workflow pushes a linux/amd64 +
// linux/arm64 image to the chart's image.repository, tagged with the version without its
// "v" — what the chart runs by default (image.tag empty: the chart's appVersion), as long
// as appVersion is the version tagged, which the workflow checks before publishing.
func TestPublishedImageIsTheChartDefault(t *testing.T) {
	w := loadPublishWorkflow(t)
	if !slices.Equal(w.On.Push.Tags, []string{"v*.*.*"}) {
		t.Errorf("on.push.tags %v, want [v*.*.*]", w.On.Push.Tags)
	}
	var values struct {
		Image struct {
			Repository string `yaml:"repository"`
			Tag        string `yaml:"tag"`
		} `yaml:"image"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, chartDir+"/values.yaml"), &values); err != nil {
		t.Fatal(err)
	}
	if image := w.Env["IMAGE"]; image != values.Image.Repository || values.Image.Tag != "" {
		t.Errorf("the workflow publishes %s; the chart's default image is %s:%q", image, values.Image.Repository, values.Image.Tag)
	}

	build := w.step(t, "image", "docker/build-push-action")
	platforms := strings.Split(build["platforms"].(string), ",")
	if !slices.Contains(platforms, "linux/amd64") || !slices.Contains(platforms, "linux/arm64") || build["push"] != true {
		t.Errorf("build-push-action with %v: want linux/amd64 and linux/arm64, pushed", build)
	}
	if args, _ := build["build-args"].(string); !strings.Contains(args, "VERSION=${{ github.ref_name }}") {
		t.Errorf("build-args %q: the image's tollgate version must be the tag", args)
	}
	meta := w.step(t, "image", "docker/metadata-action")
	if meta["images"] != "${{ env.IMAGE }}" || !strings.Contains(meta["tags"].(string), "type=semver,pattern={{version}}\n") {
		t.Errorf("metadata-action with %v: want the tag's version (no v) as the image tag", meta)
	}
	if !strings.Contains(w.scripts("check"), "charts/tollgate/Chart.yaml") {
		t.Error("the check job does not compare the chart's appVersion with the tag")
	}

	// The default render runs exactly IMAGE:appVersion, a version the tag pattern matches.
	ch := loadChart(t)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(ch.Metadata.AppVersion) {
		t.Errorf("appVersion %q: want X.Y.Z, as tag vX.Y.Z publishes", ch.Metadata.AppVersion)
	}
	d := get[*appsv1.Deployment](t, decodeRender(t, "tollgate", "llm", nil), "Deployment", "tollgate")
	if got, want := container(t, d, "tollgate").Image, w.Env["IMAGE"]+":"+ch.Metadata.AppVersion; got != want {
		t.Errorf("the chart runs %s, tag v%s publishes %s", got, ch.Metadata.AppVersion, want)
	}
}

// TestPublishedBinaries: tollgate for Linux, macOS and Windows on amd64 and arm64, built as
// the Dockerfile builds it (static, the tag as cli.Version), archived with SHA256SUMS and
// attached to the release.
func TestPublishedBinaries(t *testing.T) {
	w := loadPublishWorkflow(t)
	m := w.Jobs["binaries"].Strategy.Matrix
	for _, os := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(m["goos"], os) {
			t.Errorf("matrix goos %v lacks %s", m["goos"], os)
		}
	}
	if !slices.Contains(m["goarch"], "amd64") || !slices.Contains(m["goarch"], "arm64") {
		t.Errorf("matrix goarch %v", m["goarch"])
	}
	build := w.scripts("binaries")
	checkVersionVar(t, build)
	if !strings.Contains(build, "./cmd/tollgate") || !strings.Contains(build, "-trimpath") {
		t.Errorf("binaries build:\n%s", build)
	}
	release := w.scripts("release")
	for _, want := range []string{"sha256sum", "gh release create", "dist/*.tar.gz dist/SHA256SUMS"} {
		if !strings.Contains(release, want) {
			t.Errorf("release job lacks %q:\n%s", want, release)
		}
	}
}
