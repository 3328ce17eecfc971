package envoysim

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// route runs the router filter for the (possibly re-matched) route.
func (x *exchange) route(rt *route) error {
	if rt == nil {
		// No route: a local 404 from the router (router.cc, "route_not_found", flag NR).
		x.lc.flags = append(x.lc.flags, "NR")
		return x.routerReply(http.StatusNotFound, nil, nil, "route_not_found", nil)
	}
	x.lc.routeName = rt.name
	if d := rt.direct; d != nil {
		body := []byte(d.GetBody().GetInlineString())
		if len(body) == 0 {
			body = d.GetBody().GetInlineBytes()
		}
		return x.routerReply(int(d.GetStatus()), body, rt, "direct_response", nil)
	}
	base, ok := x.h.opts.Upstreams[rt.cluster]
	if !ok {
		// The cluster exists in Envoy but has no stand-in: no healthy upstream (UH).
		x.lc.upstreamCluster = rt.cluster
		return x.routerReply(http.StatusServiceUnavailable, []byte("no healthy upstream"), rt, "no_healthy_upstream", []string{"UH"})
	}
	x.lc.upstreamCluster = rt.cluster

	// finalizeRequestHeaders (config_impl.cc): route, virtual host, then route
	// configuration header additions/removals; host_rewrite_literal sets :authority.
	// These change the request's own header map, so the access log sees them too.
	headerOptions(&x.req, rt.addReq)
	headerOptions(&x.req, rt.vhost.addHeaders)
	headerOptions(&x.req, x.cfg.routes.addHeaders)
	for _, lists := range [][]string{rt.removeReq, rt.vhost.removeHeaders, x.cfg.routes.removeHeaders} {
		for _, k := range lists {
			x.req.Remove(strings.ToLower(k))
		}
	}
	if rt.hostRewrite != "" {
		x.req.Set(":authority", rt.hostRewrite)
	}
	if !x.cfg.suppress && rt.timeout > 0 {
		x.req.Set("x-envoy-expected-rq-timeout-ms", strconv.FormatInt(rt.timeout.Milliseconds(), 10))
	}

	ctx := x.r.Context()
	if rt.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rt.timeout)
		defer cancel()
	}
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	x.lc.upstreamHost = u.Host
	resp, err := x.send(ctx, rt, u)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			x.lc.flags = append(x.lc.flags, "UT")
			return x.routerReply(http.StatusGatewayTimeout, []byte("upstream request timeout"), rt, "upstream_response_timeout", nil)
		}
		x.lc.flags = append(x.lc.flags, "UF")
		return x.routerReply(http.StatusServiceUnavailable,
			[]byte("upstream connect error or disconnect/reset before headers. reset reason: connection failure"),
			rt, "upstream_reset_before_response_started{connection_failure}", nil)
	}
	defer resp.Body.Close()
	hm := filter.Of(":status", strconv.Itoa(resp.StatusCode))
	for k, vs := range resp.Header {
		k = strings.ToLower(k)
		if hopByHop[k] {
			continue
		}
		for _, v := range vs {
			hm.Add(k, v)
		}
	}
	if _, ok := hm.Get("content-length"); !ok && resp.ContentLength >= 0 {
		hm.Add("content-length", strconv.FormatInt(resp.ContentLength, 10))
	}
	x.lc.details = "via_upstream"
	return x.respond(resp.StatusCode, hm, resp.Body, resp.ContentLength, rt)
}

// hopByHop are connection-level headers the codecs consume (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "proxy-connection": true,
	"transfer-encoding": true, "upgrade": true, "te": true, "trailer": true}

// send makes the upstream request, retrying only connection failures when the route's
// retry_on has connect-failure (router retry_state_impl.cc); other retry conditions are
// not emulated.
func (x *exchange) send(ctx context.Context, rt *route, base *url.URL) (*http.Response, error) {
	path, _ := x.req.Get(":path")
	method, _ := x.req.Get(":method")
	authority, _ := x.req.Get(":authority")
	p, q, _ := strings.Cut(path, "?")
	attempts := 1
	if rt.retryOn["connect-failure"] {
		attempts += rt.retries
	}
	var lastErr error
	for range attempts {
		req, err := http.NewRequestWithContext(ctx, method, base.String(), bytes.NewReader(x.body))
		if err != nil {
			return nil, err
		}
		// Keep the path bytes exactly as the filters left them (a SigV4 signature covers
		// the escaped path).
		req.URL.Opaque, req.URL.RawQuery = p, q
		req.Host = authority
		req.Header = make(http.Header, len(x.req))
		for _, h := range x.req {
			if strings.HasPrefix(h.Key, ":") || hopByHop[h.Key] || h.Key == "host" {
				continue
			}
			req.Header[h.Key] = append(req.Header[h.Key], h.Value)
		}
		if _, ok := req.Header["user-agent"]; !ok {
			req.Header["User-Agent"] = []string{""} // Go would add its own
		}
		if _, ok := x.req.Get("content-length"); ok {
			req.ContentLength = int64(len(x.body))
		} else if len(x.body) > 0 {
			req.ContentLength = -1 // chunked, as Envoy's HTTP/1 codec does without content-length
		} else {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		resp, err := x.h.client.Do(req)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if !connectFailure(err) {
			return nil, err
		}
	}
	return nil, lastErr
}

func connectFailure(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

// routerReply is a reply generated by the router (no route, direct response, upstream
// failure). Unlike the ext_proc filter's own replies it goes back through the encoder
// filters, so ext_proc sees its response headers.
func (x *exchange) routerReply(code int, body []byte, rt *route, details string, flags []string) error {
	hm := filter.Of(":status", strconv.Itoa(code))
	if len(body) > 0 {
		hm.Set("content-type", "text/plain")
	}
	hm.Set("content-length", strconv.Itoa(len(body)))
	x.lc.details = details
	x.lc.flags = append(x.lc.flags, flags...)
	return x.respond(code, hm, bytes.NewReader(body), int64(len(body)), rt)
}
