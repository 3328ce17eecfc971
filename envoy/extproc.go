package envoy

import (
	"errors"
	"fmt"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
)

// ConnectionManager is one HTTP connection manager of a static listener.
type ConnectionManager struct {
	// Listener is the listener's name; Port its socket port.
	Listener string
	Port     uint32
	HCM      *hcmv3.HttpConnectionManager
}

// ConnectionManagers returns the HTTP connection managers of b's static listeners, in
// file order. A network filter whose typed config cannot be unpacked is an error.
func ConnectionManagers(b *bootstrapv3.Bootstrap) ([]ConnectionManager, error) {
	var out []ConnectionManager
	for _, l := range b.GetStaticResources().GetListeners() {
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				tc := f.GetTypedConfig()
				if tc == nil {
					continue
				}
				msg, err := tc.UnmarshalNew()
				if err != nil {
					return nil, fmt.Errorf("listener %q filter %q: %w", l.GetName(), f.GetName(), err)
				}
				if hcm, ok := msg.(*hcmv3.HttpConnectionManager); ok {
					out = append(out, ConnectionManager{
						Listener: l.GetName(),
						Port:     l.GetAddress().GetSocketAddress().GetPortValue(),
						HCM:      hcm,
					})
				}
			}
		}
	}
	return out, nil
}

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
		for _, hf := range cm.HCM.GetHttpFilters() {
			tc := hf.GetTypedConfig()
			if tc == nil {
				continue
			}
			msg, err := tc.UnmarshalNew()
			if err != nil {
				return nil, fmt.Errorf("listener %q http filter %q: %w", cm.Listener, hf.GetName(), err)
			}
			if ep, ok := msg.(*ext_procv3.ExternalProcessor); ok {
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
