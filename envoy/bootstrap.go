// Package envoy holds tollgate's Envoy bootstrap (envoy.yaml) and the code that loads it
// the way Envoy would: strictly (unknown fields are errors), with every typed_config
// resolved to its registered message and validated with the data-plane-api constraints.
//
// It is the one reader of Envoy configuration in tollgate: `tollgate check -envoy` checks a
// deployment's envoy.yaml against a tollgate config with it, the deployment tests compare
// the chart's and docker-compose's files through it, and the Envoy stand-in
// (internal/envoysim) and the load tool take their listener, routes, clusters and ext_proc
// filter from it (ConnectionManagers, ExtProcFilter, ProviderRoutes, ClusterEndpoints,
// TypedConfigsOf, Shipped).
package envoy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"
)

// LoadBootstrap reads an Envoy bootstrap YAML (or JSON) file and returns it decoded,
// resolved and validated; see ParseBootstrap.
func LoadBootstrap(path string) (*bootstrapv3.Bootstrap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	b, err := ParseBootstrap(data)
	if err != nil {
		return nil, fmt.Errorf("envoy bootstrap %s: %w", path, err)
	}
	return b, nil
}

// ParseBootstrap decodes an Envoy bootstrap from YAML or JSON bytes. It fails on
// duplicate YAML keys, on unknown fields (at any depth, typed configs included), on a
// typed_config whose "@type" is not a registered message, and on any data-plane-api
// validation rule broken by the bootstrap or by any typed config nested in it. Anchors
// and aliases are fine (Envoy's YAML parser resolves them); merge keys (`<<:`) are
// rejected because Envoy's parser does not support them.
func ParseBootstrap(data []byte) (*bootstrapv3.Bootstrap, error) {
	if loc := mergeKey.FindIndex(data); loc != nil {
		return nil, fmt.Errorf("yaml: line %d: %w", 1+bytes.Count(data[:loc[0]], []byte("\n")), errMergeKey)
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, err // already prefixed "yaml: "
	}
	b := &bootstrapv3.Bootstrap{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(js, b); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := b.ValidateAll(); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	if _, err := typedConfigs(b); err != nil {
		return nil, err
	}
	return b, nil
}

// mergeKey finds a YAML merge key at the start of a line (after indentation or "- ").
var mergeKey = regexp.MustCompile(`(?m)^[ \t]*(?:-[ \t]+)?<<[ \t]*:`)

var errMergeKey = errors.New("merge key `<<:` is not supported by Envoy's YAML parser; repeat the fields or use a plain alias")
