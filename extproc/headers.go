package extproc

import (
	"net/http"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

// headerValue reads a header's value, preferring raw_value (Envoy ≥1.32 sends only it).
func headerValue(h *corev3.HeaderValue) string {
	if len(h.RawValue) > 0 {
		return string(h.RawValue)
	}
	return h.Value
}

// setHeader is a mutation that replaces a header's value (ext_proc honours only the
// deprecated `append`; unset means overwrite).
func setHeader(key, value string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: key, RawValue: []byte(value)}}
}

// requestHeaders collects the request's headers: pseudo-headers apart, the rest into
// an http.Header keyed by the lower-case names Envoy sends.
type requestHeaders struct {
	path, method, requestID, contentType string
	all                                  http.Header
}

func readRequestHeaders(m *corev3.HeaderMap) requestHeaders {
	var rh requestHeaders
	rh.all = make(http.Header, 16)
	if m == nil {
		return rh
	}
	for _, h := range m.Headers {
		v := headerValue(h)
		switch h.Key {
		case ":path":
			rh.path = v
		case ":method":
			rh.method = v
		case "x-request-id":
			rh.requestID = v
		case "content-type":
			rh.contentType = v
		}
		if len(h.Key) > 0 && h.Key[0] != ':' {
			rh.all[h.Key] = append(rh.all[h.Key], v)
		}
	}
	return rh
}
