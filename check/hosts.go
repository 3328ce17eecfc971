package check

import (
	"fmt"
	"net"
	"strconv"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/config"
)

// upstream is where tollgate expects one provider's requests to go.
type upstream struct {
	host string // the API host: the cluster's address, the TLS server name and the Host header
	port uint32
	tls  bool
	// signed is the host a Bedrock request's SigV4 signature covers ("" when the
	// provider signs nothing host-bound).
	signed string
	// from says where host came from, for the messages.
	from string
}

// expectedUpstream is the provider's `endpoint` when set, else the public host of its
// type (Bedrock's and Vertex's regional one, or their `host`). ok is false for an Azure
// provider without endpoint: its resource host is nowhere in tollgate.yaml.
func expectedUpstream(p config.Provider) (upstream, bool) {
	var u upstream
	if p.Type == "bedrock" && p.APIKey == "" {
		u.signed = p.DefaultHost()
	}
	if e := p.EndpointURL(); e != nil {
		u.host, u.tls, u.from = e.Hostname(), e.Scheme == "https", "endpoint "+p.Endpoint
		u.port = 443
		if !u.tls {
			u.port = 80
		}
		if n, err := strconv.ParseUint(e.Port(), 10, 16); err == nil {
			u.port = uint32(n)
		}
		return u, true
	}
	u.host, u.port, u.tls = p.DefaultHost(), 443, true
	u.from = "the " + p.Type + " API host"
	return u, u.host != ""
}

// hostProblems compares each provider's Envoy route and cluster with where tollgate
// expects its requests to go. The Host header a Bedrock request reaches AWS with must
// be the host tollgate signed for, or AWS refuses every request: a mismatch is an error.
// Anything else that differs (the cluster's address and port, TLS, the server name, the
// Host of the other types) may be deliberate — a proxy, a private endpoint — and is a
// warning; so is a Host the file cannot tell (host_rewrite_header, path regex).
func hostProblems(l *config.Loaded, routes map[string]envoy.RouteInfo) (errs, warns []string) {
	for _, p := range l.Providers {
		r, routed := routes[p.Name]
		want, ok := expectedUpstream(p)
		if !routed || !ok {
			continue
		}
		at := fmt.Sprintf("envoy: provider %q (route %q, cluster %q)", p.Name, r.Route, r.Cluster)
		warn := func(format string, args ...any) { warns = append(warns, at+": "+fmt.Sprintf(format, args...)) }
		host := r.UpstreamHost()
		switch {
		case r.DynamicHostRewrite:
			warn("the route rewrites Host from a header or the path, so check cannot verify it is %s", orSigned(want))
		case want.signed != "" && host != want.signed:
			errs = append(errs, fmt.Sprintf("%s: the route sends Host %s, but tollgate signs this provider's requests (SigV4) for %s: "+
				"Bedrock would refuse every request (403); set the route's host_rewrite_literal to %s (or the provider's host)",
				at, describeHost(host), want.signed, want.signed))
		case want.signed == "" && host != want.host:
			warn("the route sends Host %s, but %s is %s", describeHost(host), want.from, want.host)
		}
		if (r.Host != want.host && r.EndpointHostname != want.host) || r.Port != want.port {
			warn("the cluster connects to %s, but %s is %s", r.Endpoint(), want.from,
				net.JoinHostPort(want.host, strconv.FormatUint(uint64(want.port), 10)))
		}
		switch sni := r.UpstreamSNI(); {
		case want.tls && !r.TLS:
			warn("the cluster speaks plaintext, but %s is https", want.from)
		case !want.tls && r.TLS:
			warn("the cluster speaks TLS, but %s is plain http", want.from)
		case r.TLS && sni == "":
			warn("the cluster sets no TLS server name (SNI), want %s", want.host)
		case r.TLS && sni != want.host:
			warn("the cluster's TLS server name (SNI) is %s, want %s", sni, want.host)
		}
	}
	return errs, warns
}

func orSigned(u upstream) string {
	if u.signed != "" {
		return u.signed + " (the host tollgate's SigV4 signature covers)"
	}
	return u.host
}

func describeHost(h string) string {
	if h == "" {
		return "unset (the client's own Host is kept)"
	}
	return h
}
