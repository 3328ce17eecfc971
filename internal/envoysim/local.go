package envoysim

import (
	"net/http"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// localReply is a response the filter chain or the stand-in answers itself.
type localReply struct {
	code    int
	headers filter.Headers
	body    []byte
	details string
	flags   []string
}

// fail answers with the local reply of a filter failure.
func (x *exchange) fail(f *filter.Failure) error {
	return x.local(&localReply{code: f.Status, details: f.Details})
}

// immediate sends an ImmediateResponse as a local reply (see filter.Stream.Immediate).
func (x *exchange) immediate(ir *extprocv3.ImmediateResponse) error {
	lr := x.s.Immediate(ir)
	return x.local(&localReply{code: lr.Status, headers: lr.Headers, body: lr.Body, details: lr.Details})
}

// local answers the client from the filter chain itself (sendLocalReply): the ext_proc
// filter's own replies do not go back through ext_proc (processing_complete_).
func (x *exchange) local(lr *localReply) error {
	if x.sentHeaders {
		x.lc.details = lr.details
		return errAbort
	}
	hm := filter.Of(":status", strconv.Itoa(lr.code))
	if len(lr.body) > 0 {
		hm.Set("content-type", "text/plain")
	}
	for _, h := range lr.headers {
		hm.Set(h.Key, h.Value)
	}
	hm.Set("content-length", strconv.Itoa(len(lr.body)))
	x.lc.code, x.lc.details = lr.code, lr.details
	x.lc.flags = append(x.lc.flags, lr.flags...)
	x.writeHeaders(lr.code, hm)
	n, _ := x.w.Write(lr.body)
	x.lc.bytesSent += int64(n)
	return nil
}

// writeHeaders sends the response headers to the client. Go's server needs canonical
// names to see Content-Length and Content-Type; clients treat names case-insensitively.
// The connection manager adds `server` after the filters ran (server_name, default
// "envoy"; conn_manager_utility.cc mutateResponseHeaders).
func (x *exchange) writeHeaders(code int, hm filter.Headers) {
	x.lc.resp = hm
	hdr := x.w.Header()
	for _, h := range hm {
		if strings.HasPrefix(h.Key, ":") {
			continue
		}
		k := http.CanonicalHeaderKey(h.Key)
		hdr[k] = append(hdr[k], h.Value)
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil // no sniffing: Envoy adds none
	}
	hdr["Server"] = []string{x.cfg.serverName}
	x.w.WriteHeader(code)
	x.sentHeaders = true
}

// headerOptions applies route-level request/response header additions
// (HeaderValueOption with append_action; header_parser.cc). Values are literal: the
// stand-in does not evaluate %VAR% substitutions in them.
func headerOptions(hm *filter.Headers, opts []*corev3.HeaderValueOption) {
	for _, o := range opts {
		k, v := strings.ToLower(o.GetHeader().GetKey()), o.GetHeader().GetValue()
		if v == "" {
			v = string(o.GetHeader().GetRawValue())
		}
		_, exists := hm.Get(k)
		switch o.GetAppendAction() {
		case corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD:
			hm.Add(k, v)
		case corev3.HeaderValueOption_ADD_IF_ABSENT:
			if !exists {
				hm.Add(k, v)
			}
		case corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD:
			hm.Set(k, v)
		case corev3.HeaderValueOption_OVERWRITE_IF_EXISTS:
			if exists {
				hm.Set(k, v)
			}
		}
	}
}
