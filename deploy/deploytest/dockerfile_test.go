package deploytest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// parseDockerfile splits a Dockerfile into instructions: comments and blank lines dropped,
// backslash continuations joined.
func parseDockerfile(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if s, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func TestParseDockerfile(t *testing.T) {
	got := parseDockerfile("# c\nFROM a AS b\n\nRUN x \\\n  # inner\n  y\nexpose 1 2\n")
	want := []instruction{{"FROM", "a AS b"}, {"RUN", "x  y"}, {"EXPOSE", "1 2"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(string(readRepoFile(t, "Dockerfile")))
	args := map[string]string{} // ARG defaults
	var froms, exposes []string
	var run, entrypoint, user, cmd string
	finalStage := false
	for i, in := range ins {
		switch in.cmd {
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case "FROM":
			f := strings.Fields(in.args)
			img := f[len(f)-1]
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				img = f[len(f)-3]
			}
			froms = append(froms, os.Expand(img, func(k string) string { return args[k] }))
			finalStage = !slices.ContainsFunc(ins[i+1:], func(x instruction) bool { return x.cmd == "FROM" })
		case "RUN":
			if strings.Contains(in.args, "go build") {
				run = in.args
			}
		case "EXPOSE":
			if finalStage {
				exposes = append(exposes, strings.Fields(in.args)...)
			}
		case "ENTRYPOINT":
			entrypoint = in.args
		case "USER":
			user = in.args
		case "CMD":
			cmd = in.args
		}
	}
	if len(froms) != 2 || !strings.HasPrefix(froms[0], "golang:1.26") || froms[1] != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("stages %v: want golang:1.26 then distroless static nonroot", froms)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w", "--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(run, want) {
			t.Errorf("go build step lacks %q: %s", want, run)
		}
	}
	checkBuildTarget(t, run)
	checkVersionVar(t, run)
	if user != "nonroot:nonroot" && user != "65532:65532" {
		t.Errorf("USER %q, want the distroless nonroot user", user)
	}
	if entrypoint != `["/tollgate"]` {
		t.Errorf("ENTRYPOINT %s", entrypoint)
	}
	if cmd != `["serve", "-config", "/etc/tollgate/tollgate.yaml"]` {
		t.Errorf("CMD %s", cmd)
	}

	// The image exposes the ports the configs and compose use.
	listen, admin := loadTollgateAddrs(t, readRepoFile(t, "deploy/tollgate.yaml"))
	_, mock, err := splitHostPort(flagValue(t, service(t, loadCompose(t), "mock").Command, "-listen"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{listen, admin, mock} {
		if !slices.Contains(exposes, strconv.Itoa(p)) {
			t.Errorf("EXPOSE %v lacks %d", exposes, p)
		}
	}
}

// checkBuildTarget: the package the image builds exists and is a main package.
func checkBuildTarget(t *testing.T, run string) {
	t.Helper()
	f := strings.Fields(run)
	target := f[len(f)-1]
	if !strings.HasPrefix(target, "./") {
		t.Fatalf("go build target %q is not a local package", target)
	}
	pkgs, err := parser.ParseDir(token.NewFileSet(), repoPath(target), func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.PackageClauseOnly)
	if err != nil {
		t.Fatalf("build target %s: %v", target, err)
	}
	if _, ok := pkgs["main"]; !ok || len(pkgs) != 1 {
		t.Errorf("build target %s holds packages %v, want main", target, sortedKeys(pkgs))
	}
}

// versionFlag matches the -X import/path.Var= part of -ldflags.
var versionFlag = regexp.MustCompile(`-X\s+github\.com/tollgate/tollgate/([\w/]+)\.(\w+)=`)

// checkVersionVar: -X names a package-level string variable that exists, since the linker
// silently ignores an -X for a missing one.
func checkVersionVar(t *testing.T, run string) {
	t.Helper()
	m := versionFlag.FindStringSubmatch(run)
	if m == nil {
		t.Fatalf("go build sets no version with -X: %s", run)
	}
	dir, name := repoPath(m[1]), m[2]
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("-X package %s: no Go files (%v)", m[1], err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if n.Name == name {
						return
					}
				}
			}
		}
	}
	t.Errorf("-X %s.%s: no such package-level variable", m[1], name)
}
