package envoy

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Every typed config of envoy.yaml is unpacked (and so validated), Anys nested in Anys
// included.
func TestTypedConfigsFindsEveryExtension(t *testing.T) {
	b, err := LoadBootstrap("envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tcs, err := typedConfigs(b)
	if err != nil {
		t.Fatal(err)
	}
	count := map[protoreflect.FullName]int{}
	for _, tc := range tcs {
		count[tc.Msg.ProtoReflect().Descriptor().FullName()]++
	}
	want := map[protoreflect.FullName]int{
		"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager": 1,
		"envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor":                       1,
		"envoy.extensions.filters.http.router.v3.Router":                                    1,
		"envoy.extensions.access_loggers.stream.v3.StdoutAccessLog":                         1,
		"envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery":                   1,
		// anthropic, openai, azure-east, gemini, bedrock-tokyo, vertex
		"envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext": 6,
		// tollgate, the six TLS providers, the three mock clusters
		"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": 10,
	}
	for name, n := range want {
		if count[name] != n {
			t.Errorf("%s: found %d, want %d", name, count[name], n)
		}
	}
	if len(count) != len(want) {
		t.Errorf("typed config kinds = %v, want exactly %v", count, want)
	}
}

func TestTypedConfigsPaths(t *testing.T) {
	b, err := LoadBootstrap("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tcs, err := typedConfigs(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"static_resources.listeners[0].filter_chains[0].filters[0].typed_config",
		"static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config",
		"static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config",
		"static_resources.clusters[1].transport_socket.typed_config",
	}
	if len(tcs) != len(want) {
		t.Fatalf("found %d typed configs, want %d: %v", len(tcs), len(want), tcs)
	}
	for i, w := range want {
		if tcs[i].Path != w {
			t.Errorf("typed config %d at %q, want %q", i, tcs[i].Path, w)
		}
	}
}
