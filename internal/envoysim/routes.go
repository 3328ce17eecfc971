package envoysim

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// routeTable is a compiled inline RouteConfiguration. Only what envoy.yaml can use is
// supported; anything else is refused when the stand-in is built, so a route is never
// silently matched differently from Envoy.
type routeTable struct {
	vhosts []*vhost
	// removeHeaders / addHeaders of the route configuration itself.
	removeHeaders []string
	addHeaders    []*corev3.HeaderValueOption
}

type vhost struct {
	name          string
	domains       []string
	routes        []*route
	removeHeaders []string
	addHeaders    []*corev3.HeaderValueOption
	respAdd       []*corev3.HeaderValueOption
}

// route is one compiled route.
type route struct {
	name    string
	vhost   *vhost
	match   func(path string, h filter.Headers) bool
	cluster string
	// hostRewrite is host_rewrite_literal, or the cluster's host with auto_host_rewrite.
	hostRewrite string
	// timeout is the route timeout (0: none). Envoy's default is 15s
	// (RouteAction.timeout docs).
	timeout    time.Duration
	retries    int
	retryOn    map[string]bool
	direct     *routev3.DirectResponseAction
	removeReq  []string
	addReq     []*corev3.HeaderValueOption
	addResp    []*corev3.HeaderValueOption
	removeResp []string
}

func compileRoutes(rc *routev3.RouteConfiguration, hostOf func(cluster string) (string, error)) (*routeTable, error) {
	if rc == nil {
		return nil, fmt.Errorf("no inline route_config (RDS is not supported)")
	}
	t := &routeTable{removeHeaders: rc.GetRequestHeadersToRemove(), addHeaders: rc.GetRequestHeadersToAdd()}
	for _, v := range rc.GetVirtualHosts() {
		vh := &vhost{name: v.GetName(), domains: v.GetDomains(), removeHeaders: v.GetRequestHeadersToRemove(),
			addHeaders: v.GetRequestHeadersToAdd(), respAdd: v.GetResponseHeadersToAdd()}
		for i, r := range v.GetRoutes() {
			cr, err := compileRoute(r, hostOf)
			if err != nil {
				return nil, fmt.Errorf("virtual host %q route %d (%q): %w", v.GetName(), i, r.GetName(), err)
			}
			cr.vhost = vh
			vh.routes = append(vh.routes, cr)
		}
		t.vhosts = append(t.vhosts, vh)
	}
	return t, nil
}

func compileRoute(r *routev3.Route, hostOf func(cluster string) (string, error)) (*route, error) {
	m, err := compileMatch(r.GetMatch())
	if err != nil {
		return nil, err
	}
	cr := &route{name: r.GetName(), match: m, removeReq: r.GetRequestHeadersToRemove(),
		addReq: r.GetRequestHeadersToAdd(), addResp: r.GetResponseHeadersToAdd(), removeResp: r.GetResponseHeadersToRemove()}
	switch a := r.GetAction().(type) {
	case *routev3.Route_DirectResponse:
		cr.direct = a.DirectResponse
	case *routev3.Route_Route:
		ra := a.Route
		if ra.GetCluster() == "" {
			return nil, fmt.Errorf("only a single `cluster` route action is supported")
		}
		if ra.GetPrefixRewrite() != "" || ra.GetRegexRewrite() != nil || ra.GetHostRewriteHeader() != "" ||
			ra.GetHostRewritePathRegex() != nil {
			return nil, fmt.Errorf("only host_rewrite_literal and auto_host_rewrite are supported among the rewrites")
		}
		cr.cluster, cr.hostRewrite = ra.GetCluster(), ra.GetHostRewriteLiteral()
		if ra.GetAutoHostRewrite().GetValue() {
			h, err := hostOf(ra.GetCluster())
			if err != nil {
				return nil, err
			}
			cr.hostRewrite = h
		}
		cr.timeout = 15 * time.Second
		if ra.GetTimeout() != nil {
			cr.timeout = ra.GetTimeout().AsDuration()
		}
		if rp := ra.GetRetryPolicy(); rp != nil {
			cr.retries = 1 // RetryPolicy.num_retries defaults to 1
			if rp.GetNumRetries() != nil {
				cr.retries = int(rp.GetNumRetries().GetValue())
			}
			cr.retryOn = map[string]bool{}
			for _, on := range strings.Split(rp.GetRetryOn(), ",") {
				cr.retryOn[strings.TrimSpace(on)] = true
			}
		}
	default:
		return nil, fmt.Errorf("unsupported route action %T", a)
	}
	return cr, nil
}

// compileMatch supports prefix, path and safe_regex path matchers (case-sensitive
// unless case_sensitive is false) and header matchers (route_components.proto
// RouteMatch / HeaderMatcher). The exact `path` and `safe_regex` match the path without
// its query string; `prefix` matches the start of :path.
func compileMatch(m *routev3.RouteMatch) (func(string, filter.Headers) bool, error) {
	if len(m.GetQueryParameters()) > 0 || m.GetGrpc() != nil || m.GetTlsContext() != nil ||
		m.GetRuntimeFraction() != nil || len(m.GetDynamicMetadata()) > 0 || m.GetFilterState() != nil {
		return nil, fmt.Errorf("only path and header route matchers are supported")
	}
	fold := m.GetCaseSensitive() != nil && !m.GetCaseSensitive().GetValue()
	var pathOK func(string) bool
	switch p := m.GetPathSpecifier().(type) {
	case *routev3.RouteMatch_Prefix:
		pathOK = func(path string) bool { return hasPrefix(path, p.Prefix, fold) }
	case *routev3.RouteMatch_Path:
		pathOK = func(path string) bool {
			path, _, _ = strings.Cut(path, "?")
			return path == p.Path || fold && strings.EqualFold(path, p.Path)
		}
	case *routev3.RouteMatch_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		if err != nil {
			return nil, err
		}
		pathOK = func(path string) bool { path, _, _ = strings.Cut(path, "?"); return re.MatchString(path) }
	default:
		return nil, fmt.Errorf("unsupported path matcher %T", p)
	}
	var hms []func(filter.Headers) bool
	for _, hm := range m.GetHeaders() {
		f, err := compileHeaderMatcher(hm)
		if err != nil {
			return nil, err
		}
		hms = append(hms, f)
	}
	return func(path string, h filter.Headers) bool {
		if !pathOK(path) {
			return false
		}
		for _, f := range hms {
			if !f(h) {
				return false
			}
		}
		return true
	}, nil
}

func hasPrefix(s, prefix string, fold bool) bool {
	if fold {
		return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
	}
	return strings.HasPrefix(s, prefix)
}

// compileHeaderMatcher follows HeaderUtility::matchHeaders
// (source/common/http/header_utility.cc): a repeated header is matched as its values
// joined by ","; a missing header fails unless treat_missing_header_as_empty; invert_match
// negates the result.
func compileHeaderMatcher(hm *routev3.HeaderMatcher) (func(filter.Headers) bool, error) {
	name := strings.ToLower(hm.GetName())
	var valueOK func(string) bool
	switch s := hm.GetHeaderMatchSpecifier().(type) {
	case *routev3.HeaderMatcher_StringMatch:
		f, err := compileStringMatcher(s.StringMatch)
		if err != nil {
			return nil, err
		}
		valueOK = f
	case *routev3.HeaderMatcher_ExactMatch: //nolint:staticcheck // deprecated form still routes in Envoy
		valueOK = func(v string) bool { return v == s.ExactMatch }
	case *routev3.HeaderMatcher_PrefixMatch: //nolint:staticcheck
		valueOK = func(v string) bool { return strings.HasPrefix(v, s.PrefixMatch) }
	case *routev3.HeaderMatcher_PresentMatch:
		want := s.PresentMatch
		return func(h filter.Headers) bool {
			_, ok := h.Get(name)
			return ok == want != hm.GetInvertMatch()
		}, nil
	case nil:
		valueOK = func(string) bool { return true } // no specifier: presence
	default:
		return nil, fmt.Errorf("header %q: unsupported header matcher %T", name, s)
	}
	return func(h filter.Headers) bool {
		v, ok := h.Joined(name)
		if !ok {
			if !hm.GetTreatMissingHeaderAsEmpty() {
				return false
			}
			v = ""
		}
		return valueOK(v) != hm.GetInvertMatch()
	}, nil
}

func compileStringMatcher(sm *matcherv3.StringMatcher) (func(string) bool, error) {
	ic := sm.GetIgnoreCase()
	norm := func(s string) string {
		if ic {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := sm.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		want := norm(p.Exact)
		return func(v string) bool { return norm(v) == want }, nil
	case *matcherv3.StringMatcher_Prefix:
		want := norm(p.Prefix)
		return func(v string) bool { return strings.HasPrefix(norm(v), want) }, nil
	case *matcherv3.StringMatcher_Suffix:
		want := norm(p.Suffix)
		return func(v string) bool { return strings.HasSuffix(norm(v), want) }, nil
	case *matcherv3.StringMatcher_Contains:
		want := norm(p.Contains)
		return func(v string) bool { return strings.Contains(norm(v), want) }, nil
	case *matcherv3.StringMatcher_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		if err != nil {
			return nil, err
		}
		return re.MatchString, nil
	default:
		return nil, fmt.Errorf("unsupported string matcher %T", p)
	}
}

// match picks the virtual host by :authority (exact, then `*.suffix`/`prefix*`
// wildcards, then `*`; port ignored when the domain has none — the order of
// RouteMatcher::findVirtualHost in source/common/router/config_impl.cc) and the first
// route that matches (routes are evaluated in order).
func (t *routeTable) match(h filter.Headers) *route {
	authority, _ := h.Get(":authority")
	path, _ := h.Get(":path")
	vh := t.findVhost(strings.ToLower(authority))
	if vh == nil {
		return nil
	}
	for _, r := range vh.routes {
		if r.match(path, h) {
			return r
		}
	}
	return nil
}

func (t *routeTable) findVhost(authority string) *vhost {
	host := authority
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	var suffix, prefix, star *vhost
	suffixLen, prefixLen := -1, -1
	for _, vh := range t.vhosts {
		for _, d := range vh.domains {
			d = strings.ToLower(d)
			switch {
			case d == authority || d == host:
				return vh
			case d == "*":
				if star == nil {
					star = vh
				}
			case strings.HasPrefix(d, "*") && strings.HasSuffix(host, d[1:]) && len(d) > suffixLen:
				suffix, suffixLen = vh, len(d)
			case strings.HasSuffix(d, "*") && strings.HasPrefix(host, d[:len(d)-1]) && len(d) > prefixLen:
				prefix, prefixLen = vh, len(d)
			}
		}
	}
	switch {
	case suffix != nil:
		return suffix
	case prefix != nil:
		return prefix
	}
	return star
}
