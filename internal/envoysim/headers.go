package envoysim

import (
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

// header is one header entry; names are lower case, as Envoy's HTTP/1 and HTTP/2 codecs
// hand them to filters.
type header struct{ key, value string }

// headerMap is an ordered, multi-valued header map like Envoy's HeaderMapImpl: the
// pseudo-headers first, then the others in arrival order. It belongs to one request.
type headerMap []header

// get returns the first value of key and whether it exists.
func (m headerMap) get(key string) (string, bool) {
	for _, h := range m {
		if h.key == key {
			return h.value, true
		}
	}
	return "", false
}

// joined returns every value of key joined with ",", which is how Envoy's header
// matchers see a repeated header (source/common/http/header_utility.cc getAllOfHeaderAsString).
func (m headerMap) joined(key string) (string, bool) {
	var vals []string
	for _, h := range m {
		if h.key == key {
			vals = append(vals, h.value)
		}
	}
	return strings.Join(vals, ","), len(vals) > 0
}

// set replaces every value of key with value, keeping the position of the first one
// (HeaderMap::setCopy).
func (m *headerMap) set(key, value string) {
	out := (*m)[:0]
	done := false
	for _, h := range *m {
		if h.key != key {
			out = append(out, h)
			continue
		}
		if !done {
			out = append(out, header{key, value})
			done = true
		}
	}
	if !done {
		out = append(out, header{key, value})
	}
	*m = out
}

// add appends a value (HeaderMap::addCopy).
func (m *headerMap) add(key, value string) { *m = append(*m, header{key, value}) }

// remove deletes every value of key.
func (m *headerMap) remove(key string) {
	out := (*m)[:0]
	for _, h := range *m {
		if h.key != key {
			out = append(out, h)
		}
	}
	*m = out
}

// clone copies the map.
func (m headerMap) clone() headerMap { return append(headerMap(nil), m...) }

// proto is the map as ext_proc sends it: every value in raw_value only. Envoy 1.32
// removed the `send_header_raw_value` runtime guard, so `value` stays empty
// (docs: version_history v1.32.0, "ext_proc: removed send_header_raw_value").
func (m headerMap) proto() *corev3.HeaderMap {
	out := &corev3.HeaderMap{Headers: make([]*corev3.HeaderValue, 0, len(m))}
	for _, h := range m {
		out.Headers = append(out.Headers, &corev3.HeaderValue{Key: h.key, RawValue: []byte(h.value)})
	}
	return out
}
