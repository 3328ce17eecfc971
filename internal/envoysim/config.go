package envoysim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	streamv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// Options configure a Proxy.
type Options struct {
	// Bootstrap is the Envoy configuration, as envoy.LoadBootstrap returns it.
	Bootstrap *bootstrapv3.Bootstrap
	// Listener names the static listener to emulate; empty means the first listener
	// with an HTTP connection manager.
	Listener string
	// Listen is the address to serve on; empty means 127.0.0.1 on a free port.
	Listen string
	// ExtProcAddr is the ext_proc gRPC server (tollgate) as host:port; it stands in
	// for the filter's grpc_service cluster.
	ExtProcAddr string
	// Upstreams maps cluster names to the base URL of a local stand-in
	// ("http://127.0.0.1:PORT"). The request keeps the Host the route gives it
	// (host_rewrite_literal), so a signature over the Host still verifies.
	Upstreams map[string]string
	// AccessLog receives the access log lines (nil: kept in memory only).
	AccessLog io.Writer
	// ForgetAccessLog keeps no access log entries in memory (Proxy.AccessLog returns
	// none), for a stand-in that serves for hours (`tollgate dev -embedded`).
	ForgetAccessLog bool
	// Logger is for the stand-in's own diagnostics; nil discards them.
	Logger *slog.Logger
}

// config is everything the stand-in reads from the bootstrap, compiled once.
type config struct {
	ext         *filter.Config // the ext_proc filter's side of the stream
	routes      *routeTable
	suppress    bool  // router suppress_envoy_headers
	bufferLimit int64 // a BUFFERED response body (the listener's limit)
	// requestLimit bounds a BUFFERED request body (envoy.ConnectionManager.RequestBodyLimit).
	requestLimit int64
	accessLogs   []*accessLogFormat
	requestID    bool
	serverName   string
}

func compileConfig(o Options) (*config, error) {
	if o.Bootstrap == nil {
		return nil, errors.New("envoysim: Options.Bootstrap is required")
	}
	cms, err := envoy.ConnectionManagers(o.Bootstrap)
	if err != nil {
		return nil, err
	}
	var cm *envoy.ConnectionManager
	for i := range cms {
		if o.Listener == "" || cms[i].Listener == o.Listener {
			cm = &cms[i]
			break
		}
	}
	if cm == nil {
		return nil, fmt.Errorf("envoysim: no HTTP connection manager on listener %q", o.Listener)
	}
	c := &config{bufferLimit: cm.BufferLimit, requestLimit: cm.RequestBodyLimit, serverName: "envoy"}
	if err := c.compileHCM(cm, autoHost(o.Bootstrap)); err != nil {
		return nil, fmt.Errorf("envoysim: listener %q: %w", cm.Listener, err)
	}
	return c, nil
}

func (c *config) compileHCM(cm *envoy.ConnectionManager, hostOf func(cluster string) (string, error)) error {
	hcm := cm.HCM
	// generate_request_id defaults to true (http_connection_manager.proto).
	c.requestID = hcm.GetGenerateRequestId() == nil || hcm.GetGenerateRequestId().GetValue()
	if hcm.GetServerName() != "" {
		c.serverName = hcm.GetServerName()
	}
	filters := cm.HTTPFilters
	for i, hf := range filters {
		switch f := hf.Config.(type) {
		case *ext_procfilterv3.ExternalProcessor:
			if c.ext != nil {
				return errors.New("more than one ext_proc filter")
			}
			if err := c.compileExtProc(f); err != nil {
				return err
			}
		case *routerv3.Router:
			if i != len(filters)-1 {
				return errors.New("the router must be the last http filter")
			}
			c.suppress = f.GetSuppressEnvoyHeaders()
		default:
			return fmt.Errorf("http filter %q (%T) is not emulated", hf.Name, hf.Config)
		}
	}
	if c.ext == nil {
		return errors.New("no ext_proc http filter")
	}
	var err error
	if c.routes, err = compileRoutes(hcm.GetRouteConfig(), hostOf); err != nil {
		return err
	}
	for _, al := range cm.AccessLogs {
		so, ok := al.Config.(*streamv3.StdoutAccessLog)
		if !ok {
			return fmt.Errorf("access log %q (%T) is not emulated (only stdout)", al.Name, al.Config)
		}
		f, err := compileAccessLog(so.GetLogFormat())
		if err != nil {
			return fmt.Errorf("access log %q: %w", al.Name, err)
		}
		c.accessLogs = append(c.accessLogs, f)
	}
	return nil
}

func (c *config) compileExtProc(f *ext_procfilterv3.ExternalProcessor) error {
	if f.GetHttpService() != nil {
		return errors.New("ext_proc http_service is not emulated (grpc_service only)")
	}
	if f.GetObservabilityMode() || f.GetSendBodyWithoutWaitingForHeaderResponse() {
		return errors.New("ext_proc observability_mode / send_body_without_waiting_for_header_response are not emulated")
	}
	if a := f.GetRouteCacheAction(); a != ext_procfilterv3.ExternalProcessor_DEFAULT || f.GetDisableClearRouteCache() {
		return errors.New("ext_proc route_cache_action other than DEFAULT is not emulated")
	}
	if err := supportedMode(filter.ModeOf(f.GetProcessingMode())); err != nil {
		return err
	}
	// message_timeout (default 200ms), max_message_timeout, failure_mode_allow,
	// allow_mode_override, mutation_rules and metadata_options govern the stream.
	var err error
	c.ext, err = filter.FromProto(f)
	return err
}

// supportedMode refuses body modes the stand-in does not emulate.
func supportedMode(m filter.Mode) error {
	for _, b := range []ext_procfilterv3.ProcessingMode_BodySendMode{m.RequestBody, m.ResponseBody} {
		switch b {
		case ext_procfilterv3.ProcessingMode_NONE, ext_procfilterv3.ProcessingMode_STREAMED, ext_procfilterv3.ProcessingMode_BUFFERED:
		default:
			return fmt.Errorf("ext_proc body mode %s is not emulated", b)
		}
	}
	if m.RequestTrailer == ext_procfilterv3.ProcessingMode_SEND || m.ResponseTrailer == ext_procfilterv3.ProcessingMode_SEND {
		return errors.New("ext_proc trailer mode SEND is not emulated")
	}
	return nil
}

// autoHost is the Host a route's auto_host_rewrite gives a request to cluster: the
// hostname of its first endpoint, else, for a STRICT_DNS or LOGICAL_DNS cluster, the
// endpoint's address (route_components.proto auto_host_rewrite).
func autoHost(b *bootstrapv3.Bootstrap) func(string) (string, error) {
	return func(name string) (string, error) {
		c, ok := envoy.Cluster(b, name)
		if !ok {
			return "", fmt.Errorf("auto_host_rewrite: no cluster %q", name)
		}
		for _, le := range c.GetLoadAssignment().GetEndpoints() {
			for _, lb := range le.GetLbEndpoints() {
				if h := lb.GetEndpoint().GetHostname(); h != "" {
					return h, nil
				}
				if t := c.GetType(); c.GetClusterType() == nil && (t == clusterv3.Cluster_STRICT_DNS || t == clusterv3.Cluster_LOGICAL_DNS) {
					return lb.GetEndpoint().GetAddress().GetSocketAddress().GetAddress(), nil
				}
				return "", fmt.Errorf("auto_host_rewrite: cluster %q is not a DNS cluster and its endpoint has no hostname", name)
			}
		}
		return "", fmt.Errorf("auto_host_rewrite: cluster %q has no endpoint", name)
	}
}
