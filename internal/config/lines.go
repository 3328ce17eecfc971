package config

import (
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// lineFinder finds the line of a field in a decoded file, for problems found after
// decoding (validation). It parses the file again, into an AST, only when asked.
type lineFinder struct {
	data   []byte
	file   *ast.File
	parsed bool
}

func newLineFinder(data []byte) *lineFinder { return &lineFinder{data: data} }

// line is the line of path ("budgets[1].models[0]", "ratelimit.timeout"), or of the
// nearest enclosing element that is written when path is not (a required field that is
// missing is reported on its budget's first line); 0 when nothing is found.
func (lf *lineFinder) line(path string) int {
	if !lf.parsed {
		lf.parsed = true
		lf.file, _ = lf.parse()
	}
	if lf.file == nil {
		return 0
	}
	for p := path; p != ""; p = parent(p) {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterFile(lf.file); err == nil && n != nil && n.GetToken() != nil {
			return n.GetToken().Position.Line
		}
	}
	return 0
}

// parse is parser.ParseBytes; the file decoded already, but the YAML library can
// panic on input it decoded (see decodeStrict).
func (lf *lineFinder) parse() (f *ast.File, err error) {
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	return parser.ParseBytes(lf.data, 0)
}

// parent drops the last element of a path: "a[1].b" → "a[1]" → "a" → "".
func parent(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}
