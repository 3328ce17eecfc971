package filter

import (
	"slices"

	"google.golang.org/protobuf/types/known/structpb"
)

// Metadata is the dynamic metadata the replies set so far, merged key by key in
// arrival order, for the namespaces the Config keeps (ext_proc.proto
// metadata_options: others are dropped).
func (s *Stream) Metadata() map[string]*structpb.Struct {
	out := map[string]*structpb.Struct{}
	for _, md := range s.md {
		for ns, v := range md.GetFields() {
			if !slices.Contains(s.cfg.Namespaces, ns) || v.GetStructValue() == nil {
				continue
			}
			cur, ok := out[ns]
			if !ok {
				cur = &structpb.Struct{Fields: map[string]*structpb.Value{}}
				out[ns] = cur
			}
			for k, fv := range v.GetStructValue().GetFields() {
				cur.Fields[k] = fv
			}
		}
	}
	return out
}
