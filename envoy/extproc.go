package envoy

import (
	"errors"
	"fmt"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
)

// ExtProcFilter returns the configuration of the one ext_proc HTTP filter of b. It is
// an error if there is none, or more than one (which one tollgate speaks to would then
// depend on the listener).
func ExtProcFilter(b *bootstrapv3.Bootstrap) (*ext_procv3.ExternalProcessor, error) {
	cms, err := ConnectionManagers(b)
	if err != nil {
		return nil, err
	}
	var found []*ext_procv3.ExternalProcessor
	for _, cm := range cms {
		for _, hf := range cm.HTTPFilters {
			if ep, ok := hf.Config.(*ext_procv3.ExternalProcessor); ok {
				found = append(found, ep)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, errors.New("no ext_proc http filter (envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor) in any listener")
	case 1:
		return found[0], nil
	default:
		return nil, fmt.Errorf("%d ext_proc http filters; expected exactly one", len(found))
	}
}
