// Package usagetest loads the recorded response bodies in llm/usage/testdata and the
// usage each must yield, for tests of any package that meters responses.
package usagetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// Fixture is one recorded response body and what metering it must report.
type Fixture struct {
	Name         string // file name without extension, e.g. "anthropic_stream"
	BodyPath     string
	Kind         api.Kind
	ContentType  string
	Seen         bool
	FirstContent bool
	Usage        usage.Usage
}

// Body reads the fixture's body.
func (f Fixture) Body() ([]byte, error) { return os.ReadFile(f.BodyPath) }

type sidecar struct {
	Kind         string `json:"kind"`
	ContentType  string `json:"content_type"`
	Seen         bool   `json:"seen"`
	FirstContent bool   `json:"first_content"`
	Usage        struct {
		Input        int64 `json:"input"`
		Output       int64 `json:"output"`
		CacheRead    int64 `json:"cache_read"`
		CacheWrite   int64 `json:"cache_write"`
		CacheWrite1h int64 `json:"cache_write_1h"`
		Reasoning    int64 `json:"reasoning"`
	} `json:"usage"`
}

// Dir is the directory holding the fixtures (llm/usage/testdata in the source tree).
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Load reads every NAME.usage.json in dir with its body NAME.sse or NAME.json, sorted by
// name.
func Load(dir string) ([]Fixture, error) {
	sidecars, err := filepath.Glob(filepath.Join(dir, "*.usage.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(sidecars)
	out := make([]Fixture, 0, len(sidecars))
	for _, sc := range sidecars {
		f, err := load(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func load(sidecarPath string) (Fixture, error) {
	raw, err := os.ReadFile(sidecarPath)
	if err != nil {
		return Fixture{}, err
	}
	var sc sidecar
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return Fixture{}, fmt.Errorf("%s: %w", sidecarPath, err)
	}
	kind, ok := parseKind(sc.Kind)
	if !ok {
		return Fixture{}, fmt.Errorf("%s: unknown kind %q", sidecarPath, sc.Kind)
	}
	name := strings.TrimSuffix(filepath.Base(sidecarPath), ".usage.json")
	body := ""
	for _, ext := range []string{".sse", ".json"} {
		p := filepath.Join(filepath.Dir(sidecarPath), name+ext)
		if _, err := os.Stat(p); err == nil {
			body = p
			break
		}
	}
	if body == "" {
		return Fixture{}, fmt.Errorf("%s: no body %s.sse or %s.json", sidecarPath, name, name)
	}
	u := sc.Usage
	return Fixture{
		Name: name, BodyPath: body, Kind: kind, ContentType: sc.ContentType,
		Seen: sc.Seen, FirstContent: sc.FirstContent,
		Usage: usage.Usage{
			Input: u.Input, Output: u.Output, CacheRead: u.CacheRead,
			CacheWrite: u.CacheWrite, CacheWrite1h: u.CacheWrite1h, Reasoning: u.Reasoning,
		},
	}, nil
}

func parseKind(s string) (api.Kind, bool) {
	for k := api.Kind(1); k < 64; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return api.Unknown, false
}
