package envoy

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

// validator is what protoc-gen-validate generates for every data-plane-api message.
type validator interface{ ValidateAll() error }

// typedConfig is one google.protobuf.Any found in a config, unpacked.
type typedConfig struct {
	// Path is where the Any sits, e.g. "static_resources.listeners[0].filter_chains[0]...".
	Path string
	Msg  proto.Message
}

// typedConfigs unpacks every Any nested anywhere in m (Anys inside Anys included),
// validates each unpacked message with its own rules, and returns them in field order.
// Validating the outer message does not look inside an Any, so this is where a bad
// filter config is caught.
func typedConfigs(m proto.Message) ([]typedConfig, error) {
	var out []typedConfig
	err := walkAnys(m.ProtoReflect(), "", &out)
	return out, err
}

func walkAnys(m protoreflect.Message, path string, out *[]typedConfig) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		p := join(path, string(fd.Name()))
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = visit(l.Get(i).Message(), fmt.Sprintf("%s[%d]", p, i), out)
			}
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				err = visit(mv.Message(), fmt.Sprintf("%s[%q]", p, k.String()), out)
				return err == nil
			})
		default:
			err = visit(v.Message(), p, out)
		}
		return err == nil
	})
	return err
}

func visit(m protoreflect.Message, path string, out *[]typedConfig) error {
	a, ok := m.Interface().(*anypb.Any)
	if !ok {
		return walkAnys(m, path, out)
	}
	inner, err := a.UnmarshalNew()
	if err != nil {
		return fmt.Errorf("%s: %s: %w", path, a.GetTypeUrl(), err)
	}
	v, ok := inner.(validator)
	if !ok {
		return fmt.Errorf("%s: %s has no validation rules (not a data-plane-api message)", path, a.GetTypeUrl())
	}
	if err := v.ValidateAll(); err != nil {
		return fmt.Errorf("%s: validate %s: %w", path, inner.ProtoReflect().Descriptor().FullName(), err)
	}
	*out = append(*out, typedConfig{Path: path, Msg: inner})
	return walkAnys(inner.ProtoReflect(), path, out)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return strings.Join([]string{path, name}, ".")
}

// TypedConfigsOf returns every typed config of type M found anywhere in m (a bootstrap,
// a listener, a cluster...), Anys nested in Anys included, in field order: for example
// every ext_proc filter, whether in a listener's or a cluster's filter chain.
func TypedConfigsOf[M proto.Message](m proto.Message) ([]M, error) {
	tcs, err := typedConfigs(m)
	if err != nil {
		return nil, err
	}
	var out []M
	for _, tc := range tcs {
		if v, ok := tc.Msg.(M); ok {
			out = append(out, v)
		}
	}
	return out, nil
}
