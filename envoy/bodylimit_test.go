package envoy_test

import (
	"testing"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate/tollgate/envoy"
)

// TestRequestBodyLimit: a BUFFERED request body is bounded by the virtual host's
// request_body_buffer_limit when set, else by min(per_request_buffer_limit_bytes, the
// listener's limit), else by the listener's limit (route_components.proto, "Buffer limit
// precedence").
func TestRequestBodyLimit(t *testing.T) {
	for _, tc := range []struct {
		name                string
		listener            uint32 // 0: unset (1 MiB)
		perRequest, request uint64 // 0: unset
		want                int64
	}{
		{"listener default", 0, 0, 0, envoy.DefaultBufferLimit},
		{"listener", 16 << 20, 0, 0, 16 << 20},
		{"request_body_buffer_limit above the listener's", 16 << 20, 0, 32 << 20, 32 << 20},
		{"per_request_buffer_limit_bytes is capped by the listener's", 16 << 20, 32 << 20, 0, 16 << 20},
		{"per_request_buffer_limit_bytes below it", 16 << 20, 4 << 20, 0, 4 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := envoy.LoadBootstrap("testdata/minimal.yaml")
			if err != nil {
				t.Fatal(err)
			}
			l := b.GetStaticResources().GetListeners()[0]
			if tc.listener > 0 {
				l.PerConnectionBufferLimitBytes = wrapperspb.UInt32(tc.listener)
			}
			f := l.GetFilterChains()[0].GetFilters()[0]
			hcm := &hcmv3.HttpConnectionManager{}
			if err := f.GetTypedConfig().UnmarshalTo(hcm); err != nil {
				t.Fatal(err)
			}
			vh := hcm.GetRouteConfig().GetVirtualHosts()[0]
			if tc.perRequest > 0 {
				vh.PerRequestBufferLimitBytes = wrapperspb.UInt32(uint32(tc.perRequest)) //nolint:staticcheck // still honoured by Envoy
			}
			if tc.request > 0 {
				vh.RequestBodyBufferLimit = wrapperspb.UInt64(tc.request)
			}
			a, err := anypb.New(hcm)
			if err != nil {
				t.Fatal(err)
			}
			f.ConfigType = &listenerv3.Filter_TypedConfig{TypedConfig: a}
			cms, err := envoy.ConnectionManagers(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := cms[0].RequestBodyLimit; got != tc.want {
				t.Errorf("RequestBodyLimit = %d, want %d", got, tc.want)
			}
		})
	}
}
