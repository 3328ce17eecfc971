package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no config input panics; a file that loads is valid and routes. (That every
// valid file also assembles is internal/assembly's test.)
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../examples/tollgate.yaml", "../../deploy/tollgate.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("providers: [{name: a, type: openai, api_key: k}]\nmodels: [{match: '*', provider: a}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data, func(string) (string, bool) { return "x", true })
		if err != nil {
			return
		}
		if problems := l.validate(nil); len(problems) > 0 {
			t.Fatalf("loaded a file with problems: %v", problems)
		}
		if _, err := l.Router(); err != nil {
			t.Fatalf("valid config does not route: %v", err)
		}
		if _, err := l.KeySet(); err != nil {
			t.Fatalf("valid config's keys do not compile: %v", err)
		}
	})
}
