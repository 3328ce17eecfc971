package pricing

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/goccy/go-yaml"
)

//go:generate go run ./internal/gen -in testdata/model_prices_and_context_window.json -out builtin.yaml

// builtinYAML is the built-in table, generated from LiteLLM's price file.
//
//go:embed builtin.yaml
var builtinYAML []byte

// BuiltinDoc is the layout of builtin.yaml.
type BuiltinDoc struct {
	// Source names where the prices come from and when they were taken.
	Source string `yaml:"source"`
	// Unit is always "USD per million tokens".
	Unit   string           `yaml:"unit"`
	Models map[string]Entry `yaml:"models"`
}

var builtin = sync.OnceValues(func() (BuiltinDoc, error) {
	var doc BuiltinDoc
	if err := yaml.UnmarshalWithOptions(builtinYAML, &doc, yaml.DisallowUnknownField()); err != nil {
		return BuiltinDoc{}, fmt.Errorf("built-in price table: %w", err)
	}
	return doc, nil
})

// BuiltinEntries returns the built-in table's entries. They are shared: do not modify
// them. It panics if the embedded table does not parse, which its tests rule out.
func BuiltinEntries() map[string]Entry {
	doc, err := builtin()
	if err != nil {
		panic(err)
	}
	return doc.Models
}

// BuiltinSource is the built-in table's source note.
func BuiltinSource() string {
	doc, _ := builtin()
	return doc.Source
}
