package envoy_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	streamv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"

	"github.com/tollgate/tollgate/envoy"
)

// minBody is the request body every provider route must admit (README "How it works" and envoy/README.md: Claude Code sends multi-megabyte bodies, so at least 20 MB).
const minBody = 20 << 20

// minResponse is the smallest BUFFERED response body the listener must admit: a
// non-streamed completion with a few base64 images.
const minResponse = 8 << 20

// tollgateKeys are the dynamic-metadata keys tollgate sets in namespace "tollgate".
var tollgateKeys = []string{
	"model", "provider", "upstream_model", "team",
	"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd",
}

func loadShipped(t *testing.T) *bootstrapv3.Bootstrap {
	t.Helper()
	b, err := envoy.LoadBootstrap("envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func llm(t *testing.T, b *bootstrapv3.Bootstrap) envoy.ConnectionManager {
	t.Helper()
	cms, err := envoy.ConnectionManagers(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cms) != 1 || cms[0].Listener != "llm" {
		t.Fatalf("connection managers = %+v, want exactly one on listener llm", cms)
	}
	return cms[0]
}

func TestContractListener(t *testing.T) {
	b := loadShipped(t)
	cm := llm(t, b)
	if cm.Port != 10000 {
		t.Errorf("listener port = %d, want 10000", cm.Port)
	}
	l := b.GetStaticResources().GetListeners()[0]
	if got := l.GetAddress().GetSocketAddress().GetAddress(); got != "0.0.0.0" {
		t.Errorf("listener address = %q, want 0.0.0.0", got)
	}
	// The request body limit is the virtual host's (request_body_buffer_limit): the
	// listener's per-connection limit bounds a BUFFERED response and what Envoy holds per
	// connection.
	if got := l.GetPerConnectionBufferLimitBytes().GetValue(); got < minResponse || got >= minBody {
		t.Errorf("per_connection_buffer_limit_bytes = %d, want >= %d (a BUFFERED response) and below the request body limit", got, minResponse)
	}
	vh := cm.HCM.GetRouteConfig().GetVirtualHosts()[0]
	if vh.GetRequestBodyBufferLimit().GetValue() < minBody || cm.RequestBodyLimit != int64(vh.GetRequestBodyBufferLimit().GetValue()) {
		t.Errorf("virtual host request_body_buffer_limit = %v (read as %d), want >= %d (it bounds the BUFFERED request body)",
			vh.GetRequestBodyBufferLimit(), cm.RequestBodyLimit, minBody)
	}
	if got := b.GetAdmin().GetAddress().GetSocketAddress(); got.GetAddress() != "127.0.0.1" || got.GetPortValue() != 9901 {
		t.Errorf("admin = %s:%d, want 127.0.0.1:9901 (the admin API has no authentication)", got.GetAddress(), got.GetPortValue())
	}
}

func TestContractFilterOrder(t *testing.T) {
	cm := llm(t, loadShipped(t))
	filters := cm.HCM.GetHttpFilters()
	if len(filters) < 2 {
		t.Fatalf("http filters = %d, want ext_proc and router", len(filters))
	}
	extproc, router := -1, -1
	for i, f := range filters {
		m, err := f.GetTypedConfig().UnmarshalNew()
		if err != nil {
			t.Fatal(err)
		}
		switch m.(type) {
		case *ext_procv3.ExternalProcessor:
			extproc = i
		case *routerv3.Router:
			router = i
		}
	}
	if extproc < 0 || extproc >= router {
		t.Errorf("ext_proc at %d, router at %d: ext_proc must come first", extproc, router)
	}
	if router != len(filters)-1 {
		t.Errorf("router at %d of %d filters: it must be last", router, len(filters))
	}
}

func TestContractExtProc(t *testing.T) {
	b := loadShipped(t)
	ep, err := envoy.ExtProcFilter(b)
	if err != nil {
		t.Fatal(err)
	}
	pm := ep.GetProcessingMode()
	modes := []struct {
		name      string
		got, want any
	}{
		{"request_header_mode", pm.GetRequestHeaderMode(), ext_procv3.ProcessingMode_SEND},
		{"request_body_mode", pm.GetRequestBodyMode(), ext_procv3.ProcessingMode_BUFFERED},
		{"response_header_mode", pm.GetResponseHeaderMode(), ext_procv3.ProcessingMode_SEND},
		{"response_body_mode", pm.GetResponseBodyMode(), ext_procv3.ProcessingMode_NONE},
		{"request_trailer_mode", pm.GetRequestTrailerMode(), ext_procv3.ProcessingMode_SKIP},
		{"response_trailer_mode", pm.GetResponseTrailerMode(), ext_procv3.ProcessingMode_SKIP},
	}
	for _, m := range modes {
		if m.got != m.want {
			t.Errorf("processing_mode.%s = %v, want %v", m.name, m.got, m.want)
		}
	}
	if !ep.GetAllowModeOverride() {
		t.Error("allow_mode_override is false: tollgate's STREAMED/BUFFERED response override would be ignored")
	}
	if len(ep.GetAllowedOverrideModes()) != 0 {
		t.Error("allowed_override_modes is set: it must admit every override tollgate sends")
	}
	if ep.GetSendBodyWithoutWaitingForHeaderResponse() {
		t.Error("send_body_without_waiting_for_header_response disables mode_override")
	}
	if ep.GetFailureModeAllow() {
		t.Error("failure_mode_allow is true: requests would bypass auth and metering when tollgate fails")
	}
	if ep.GetObservabilityMode() {
		t.Error("observability_mode ignores tollgate's replies")
	}
	mt := ep.GetMessageTimeout().AsDuration()
	if mt < 5*time.Second {
		t.Errorf("message_timeout = %v, want >= 5s (multi-MB bodies, credential fetches)", mt)
	}
	// tollgate never sends override_message_timeout (its own waits stop below
	// message_timeout), so a max_message_timeout would be dead configuration.
	if ep.GetMaxMessageTimeout() != nil {
		t.Errorf("max_message_timeout = %v: tollgate sends no override_message_timeout", ep.GetMaxMessageTimeout().AsDuration())
	}
	if got := ep.GetGrpcService().GetEnvoyGrpc().GetClusterName(); got != "tollgate" {
		t.Errorf("grpc cluster = %q, want tollgate", got)
	}
	if ep.GetGrpcService().GetTimeout() != nil {
		t.Error("grpc_service.timeout is set: it would cut ext_proc streams of long responses")
	}
	if !slices.Contains(ep.GetMetadataOptions().GetReceivingNamespaces().GetUntyped(), "tollgate") {
		t.Error("metadata_options.receiving_namespaces.untyped lacks tollgate: Envoy would drop tollgate's metadata")
	}
	if ep.GetDisableClearRouteCache() || ep.GetRouteCacheAction() == ext_procv3.ExternalProcessor_RETAIN {
		t.Error("the route cache is never cleared: x-tollgate-provider could not select a route")
	}
	if r := ep.GetMutationRules(); r.GetDisallowAll().GetValue() || r.GetDisallowSystem().GetValue() {
		t.Error("mutation_rules forbid the :path or header rewrites tollgate makes")
	}

	c := cluster(t, b, "tollgate")
	if po := protocolOptions(t, c); po.GetExplicitHttpConfig().GetHttp2ProtocolOptions() == nil {
		t.Error("cluster tollgate is not HTTP/2 (gRPC needs it)")
	} else if po.GetExplicitHttpConfig().GetHttp2ProtocolOptions().GetConnectionKeepalive().GetInterval() == nil {
		t.Error("cluster tollgate has no HTTP/2 keepalive")
	}
	if got := c.GetPerConnectionBufferLimitBytes().GetValue(); got < minBody {
		t.Errorf("cluster tollgate per_connection_buffer_limit_bytes = %d, want >= %d", got, minBody)
	}
	if !c.GetIgnoreHealthOnHostRemoval() {
		t.Error("cluster tollgate keeps a pod removed from DNS until two health checks fail, beyond its drain delay")
	}
}

func TestContractAccessLog(t *testing.T) {
	cm := llm(t, loadShipped(t))
	var formats []map[string]string
	for _, al := range cm.HCM.GetAccessLog() {
		m, err := al.GetTypedConfig().UnmarshalNew()
		if err != nil {
			t.Fatal(err)
		}
		sl, ok := m.(*streamv3.StdoutAccessLog)
		if !ok {
			continue
		}
		f := map[string]string{}
		for k, v := range sl.GetLogFormat().GetJsonFormat().GetFields() {
			f[k] = v.GetStringValue()
		}
		formats = append(formats, f)
	}
	if len(formats) != 1 {
		t.Fatalf("found %d stdout JSON access logs, want 1", len(formats))
	}
	f := formats[0]
	for _, k := range tollgateKeys {
		want := "%DYNAMIC_METADATA(tollgate:" + k + ")%"
		if f[k] != want {
			t.Errorf("access log field %q = %q, want %q", k, f[k], want)
		}
	}
	standard := map[string]string{
		"start_time":       "%START_TIME%",
		"method":           "%REQ(:METHOD)%",
		"status":           "%RESPONSE_CODE%",
		"duration_ms":      "%DURATION%",
		"upstream_cluster": "%UPSTREAM_CLUSTER%",
		"request_id":       "%REQ(X-REQUEST-ID)%",
		"bytes_received":   "%BYTES_RECEIVED%",
		"bytes_sent":       "%BYTES_SENT%",
	}
	for k, want := range standard {
		if f[k] != want {
			t.Errorf("access log field %q = %q, want %q", k, f[k], want)
		}
	}
	if !strings.Contains(f["path"], "REQ_WITHOUT_QUERY") {
		t.Errorf("access log path = %q: it must drop the query string (it may hold secrets)", f["path"])
	}
}

func TestContractTimeoutsAndRetries(t *testing.T) {
	b := loadShipped(t)
	hcm := llm(t, b).HCM
	if d := hcm.GetRequestTimeout().AsDuration(); d != 0 {
		t.Errorf("request_timeout = %v, want 0 (disabled: long streams)", d)
	}
	if d := hcm.GetStreamIdleTimeout().AsDuration(); d < 5*time.Minute {
		t.Errorf("stream_idle_timeout = %v, want >= 5m (slow first tokens)", d)
	}
	routes, err := envoy.ProviderRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*routev3.Route{}
	for _, r := range hcm.GetRouteConfig().GetVirtualHosts()[0].GetRoutes() {
		byName[r.GetName()] = r
	}
	allowedRetry := map[string]bool{"connect-failure": true, "refused-stream": true, "reset-before-request": true}
	for p, info := range routes {
		ra := byName[info.Route].GetRoute()
		if d := ra.GetTimeout().AsDuration(); ra.GetTimeout() == nil || (d != 0 && d < 10*time.Minute) {
			t.Errorf("%s: route timeout = %v, want 0s (none) or >= 10m", p, ra.GetTimeout())
		}
		if d := ra.GetIdleTimeout().AsDuration(); d < 5*time.Minute {
			t.Errorf("%s: route idle_timeout = %v, want >= 5m", p, d)
		}
		rp := ra.GetRetryPolicy()
		for _, on := range strings.Split(rp.GetRetryOn(), ",") {
			if on = strings.TrimSpace(on); on != "" && !allowedRetry[on] {
				t.Errorf("%s: retry_on %q may resend a request the provider saw", p, on)
			}
		}
		if rp.GetPerTryTimeout() != nil || rp.GetPerTryIdleTimeout() != nil {
			t.Errorf("%s: a per-try timeout would retry (and re-bill) a slow stream", p)
		}
		if ra.GetRequestMirrorPolicies() != nil || ra.GetHedgePolicy() != nil {
			t.Errorf("%s: mirroring or hedging sends the request twice", p)
		}
		if got := cluster(t, b, info.Cluster).GetPerConnectionBufferLimitBytes().GetValue(); got < minBody {
			t.Errorf("%s: cluster per_connection_buffer_limit_bytes = %d, want >= %d", p, got, minBody)
		}
	}
}

func TestContractCatchAll(t *testing.T) {
	hcm := llm(t, loadShipped(t)).HCM
	vhs := hcm.GetRouteConfig().GetVirtualHosts()
	if len(vhs) != 1 || !slices.Contains(vhs[0].GetDomains(), "*") {
		t.Fatalf("want one virtual host for domain *")
	}
	routes := vhs[0].GetRoutes()
	last := routes[len(routes)-1]
	if last.GetMatch().GetPrefix() != "/" || len(last.GetMatch().GetHeaders()) != 0 {
		t.Errorf("last route matches %v, want prefix / and no header", last.GetMatch())
	}
	dr := last.GetDirectResponse()
	if dr == nil || dr.GetStatus() != 404 {
		t.Fatalf("last route = %v, want a direct 404", last.GetAction())
	}
	if body := dr.GetBody().GetInlineString(); !strings.HasPrefix(body, `{"error":{`) {
		t.Errorf("catch-all body %q is not an OpenAI-shaped JSON error", body)
	}
}

func cluster(t *testing.T, b *bootstrapv3.Bootstrap, name string) *clusterv3.Cluster {
	t.Helper()
	for _, c := range b.GetStaticResources().GetClusters() {
		if c.GetName() == name {
			return c
		}
	}
	t.Fatalf("no cluster %q", name)
	return nil
}

func protocolOptions(t *testing.T, c *clusterv3.Cluster) *httpv3.HttpProtocolOptions {
	t.Helper()
	a, ok := c.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
	if !ok {
		t.Fatalf("cluster %s has no HttpProtocolOptions", c.GetName())
	}
	po := &httpv3.HttpProtocolOptions{}
	if err := a.UnmarshalTo(po); err != nil {
		t.Fatal(err)
	}
	return po
}
