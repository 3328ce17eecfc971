package envoy

import (
	"fmt"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// DefaultBufferLimit is Envoy's per_connection_buffer_limit_bytes when a listener or
// cluster does not set it: 1 MiB (listener.proto, cluster.proto).
const DefaultBufferLimit = 1 << 20

// ConnectionManager is one HTTP connection manager of a static listener, with the
// typed configs of its HTTP filters and access loggers unpacked.
type ConnectionManager struct {
	// Listener is the listener's name; Address and Port its socket address.
	Listener string
	Address  string
	Port     uint32
	// BufferLimit is the listener's per_connection_buffer_limit_bytes, or
	// DefaultBufferLimit when unset. It bounds a BUFFERED response body (and a request
	// body, unless RequestBodyLimit says otherwise).
	BufferLimit int64
	// RequestBodyLimit bounds a BUFFERED request body: the virtual host's
	// request_body_buffer_limit (Envoy 1.36+); else min(per_request_buffer_limit_bytes,
	// BufferLimit); else BufferLimit (route_components.proto, "Buffer limit precedence").
	// It is read from the first virtual host of an inline route_config: the route a
	// request matches before ext_proc runs is the catch-all, so only a virtual-host-wide
	// limit applies to every request.
	RequestBodyLimit int64
	HCM              *hcmv3.HttpConnectionManager
	// HTTPFilters are HCM's http_filters in order, AccessLogs its access_log entries.
	HTTPFilters []Extension
	AccessLogs  []Extension
}

// Extension is one named extension with its typed_config unpacked (nil when the entry
// has no typed_config).
type Extension struct {
	Name   string
	Config proto.Message
}

// ConnectionManagers returns the HTTP connection managers of b's static listeners, in
// file order. A typed config that cannot be unpacked is an error.
func ConnectionManagers(b *bootstrapv3.Bootstrap) ([]ConnectionManager, error) {
	var out []ConnectionManager
	for _, l := range b.GetStaticResources().GetListeners() {
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				msg, err := unpack(f.GetTypedConfig())
				if err != nil {
					return nil, fmt.Errorf("listener %q filter %q: %w", l.GetName(), f.GetName(), err)
				}
				hcm, ok := msg.(*hcmv3.HttpConnectionManager)
				if !ok {
					continue
				}
				cm, err := connectionManager(l, hcm)
				if err != nil {
					return nil, fmt.Errorf("listener %q: %w", l.GetName(), err)
				}
				out = append(out, cm)
			}
		}
	}
	return out, nil
}

func connectionManager(l *listenerv3.Listener, hcm *hcmv3.HttpConnectionManager) (ConnectionManager, error) {
	sa := l.GetAddress().GetSocketAddress()
	cm := ConnectionManager{Listener: l.GetName(), Address: sa.GetAddress(), Port: sa.GetPortValue(),
		BufferLimit: DefaultBufferLimit, HCM: hcm}
	if v := l.GetPerConnectionBufferLimitBytes(); v != nil {
		cm.BufferLimit = int64(v.GetValue())
	}
	cm.RequestBodyLimit = cm.BufferLimit
	if vhs := hcm.GetRouteConfig().GetVirtualHosts(); len(vhs) > 0 {
		switch vh := vhs[0]; {
		case vh.GetRequestBodyBufferLimit() != nil:
			cm.RequestBodyLimit = int64(vh.GetRequestBodyBufferLimit().GetValue())
		case vh.GetPerRequestBufferLimitBytes() != nil: //nolint:staticcheck // still honoured by Envoy
			cm.RequestBodyLimit = min(cm.BufferLimit, int64(vh.GetPerRequestBufferLimitBytes().GetValue())) //nolint:staticcheck
		}
	}
	for _, hf := range hcm.GetHttpFilters() {
		msg, err := unpack(hf.GetTypedConfig())
		if err != nil {
			return cm, fmt.Errorf("http filter %q: %w", hf.GetName(), err)
		}
		cm.HTTPFilters = append(cm.HTTPFilters, Extension{Name: hf.GetName(), Config: msg})
	}
	for _, al := range hcm.GetAccessLog() {
		msg, err := unpack(al.GetTypedConfig())
		if err != nil {
			return cm, fmt.Errorf("access log %q: %w", al.GetName(), err)
		}
		cm.AccessLogs = append(cm.AccessLogs, Extension{Name: al.GetName(), Config: msg})
	}
	return cm, nil
}

// unpack resolves a typed_config; nil stays nil.
func unpack(a *anypb.Any) (proto.Message, error) {
	if a == nil {
		return nil, nil
	}
	return a.UnmarshalNew()
}
