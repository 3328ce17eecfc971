package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"
)

// Loaded is a decoded, expanded, defaulted and validated config file.
type Loaded struct {
	File
	// Path is where it was read from.
	Path string
	// EnvVars are the environment variables the file references, sorted.
	EnvVars []string
	// Unset maps each field whose ${VAR} was not set (field path such as
	// "providers[1].api_key") to the first such variable. LoadFileIgnoringUnset keeps
	// those fields unexpanded; a command can then tell which provider lacks a secret.
	Unset map[string]string
}

// LoadFile reads and validates a config file, with the process environment.
func LoadFile(path string) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, os.LookupEnv)
}

// LoadFileIgnoringUnset reads and validates a config file like LoadFile, except that a
// ${VAR} that is not set is no error: its field stays empty and unvalidated. It is for
// commands that need only the rules and prices (tollgate prices, smoke -config), which
// must not demand every provider's secret.
func LoadFileIgnoringUnset(path string) (*Loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data, os.LookupEnv, false)
}

// Parse decodes data strictly, expands ${VAR} with lookup, applies defaults and
// validates. The error lists every problem found, one per line.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (*Loaded, error) {
	return parse(name, data, lookup, true)
}

func parse(name string, data []byte, lookup func(string) (string, bool), requireSet bool) (*Loaded, error) {
	var f File
	if err := decodeStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%s", yamlError(name, err))
	}
	l := &Loaded{Path: name}
	var problems []string
	seen := map[string]bool{}
	unset := map[string]bool{}  // fields whose ${VAR} is missing: reported once, not re-validated
	var missingVars [][2]string // field path, variable
	expandStrings(reflect.ValueOf(&f).Elem(), "", func(path, s string) string {
		out, missing, refs := expand(s, lookup)
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				l.EnvVars = append(l.EnvVars, r)
			}
		}
		for _, m := range missing {
			if requireSet {
				missingVars = append(missingVars, [2]string{path, m})
			}
			if !unset[path] {
				if l.Unset == nil {
					l.Unset = map[string]string{}
				}
				l.Unset[path] = m
			}
			unset[path] = true
		}
		return out
	})
	for _, mv := range missingVars {
		problems = append(problems, fmt.Sprintf("%s: environment variable %s is not set", f.namedPath(mv[0]), mv[1]))
	}
	sort.Strings(l.EnvVars)
	f.applyDefaults()
	problems = append(problems, f.validate(unset)...)
	problems = append(problems, f.budgetProblems(data)...)
	l.File = f
	if len(problems) > 0 {
		return l, &Error{File: name, Problems: problems}
	}
	return l, nil
}

// decodeStrict decodes YAML into f, rejecting unknown keys. The YAML library can panic
// on some malformed input (found by FuzzParse: a tagged scalar where a list belongs);
// that becomes an error, never a crash.
func decodeStrict(data []byte, f *File) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed YAML (%v)", p)
		}
	}()
	return yaml.UnmarshalWithOptions(data, f, yaml.DisallowUnknownField())
}

// Error lists every problem of one config file.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %d problem(s):", e.File, len(e.Problems))
	for _, p := range e.Problems {
		s += "\n  " + p
	}
	return s
}

// yamlError renders a decoding error as "file:line:col: message".
func yamlError(name string, err error) string {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &te) && te.GetToken() != nil {
		p := te.GetToken().Position
		return fmt.Sprintf("%s:%d:%d: %s", name, p.Line, p.Column, plainTypeError(te.GetMessage()))
	}
	return fmt.Sprintf("%s: %v", name, err)
}

var typeError = regexp.MustCompile(`^cannot unmarshal (\S+) into Go struct field .* of type (\S+)$`)

// plainTypeError rewrites the decoder's Go-flavoured type errors for YAML authors.
func plainTypeError(msg string) string {
	m := typeError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := m[2]
	switch {
	case strings.HasPrefix(want, "int") || strings.HasPrefix(want, "uint"):
		want = "an integer"
	case strings.HasPrefix(want, "float"):
		want = "a number"
	case want == "bool":
		want = "true or false"
	case want == "string":
		want = "a string"
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	default:
		want = "a mapping"
	}
	return fmt.Sprintf("wrong type: a %s where %s is expected", m[1], want)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces every ${VAR}; it returns the names missing from lookup and all names seen.
func expand(s string, lookup func(string) (string, bool)) (out string, missing, refs []string) {
	if len(s) < 3 {
		return s, nil, nil
	}
	out = envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		refs = append(refs, name)
		v, ok := lookup(name)
		if !ok {
			// Keep the reference: the missing variable is the problem reported,
			// not a second "field required" for the same line.
			missing = append(missing, name)
			return m
		}
		return v
	})
	return out, missing, refs
}

// expandStrings walks every string reachable from v (struct fields by their yaml
// names, slices, maps of strings) and replaces it with fn's result.
func expandStrings(v reflect.Value, path string, fn func(path, s string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(fn(path, v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			expandStrings(v.Elem(), path, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if path != "" {
				name = path + "." + name
			}
			expandStrings(v.Field(i), name, fn)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			expandStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			tag = tag[:i]
			break
		}
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

// namedPath adds the provider's name to a field path under providers[i], as every other
// provider error names it: "providers[1] (azure-east).api_key".
func (f *File) namedPath(path string) string {
	var i int
	var rest string
	if n, _ := fmt.Sscanf(path, "providers[%d]", &i); n != 1 || i < 0 || i >= len(f.Providers) || f.Providers[i].Name == "" {
		return path
	}
	prefix := fmt.Sprintf("providers[%d]", i)
	rest = path[len(prefix):]
	return fmt.Sprintf("%s (%s)%s", prefix, f.Providers[i].Name, rest)
}
