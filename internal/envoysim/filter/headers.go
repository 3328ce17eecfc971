package filter

import (
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

// Header is one header entry; names are lower case, as Envoy's HTTP/1 and HTTP/2 codecs
// hand them to filters.
type Header struct{ Key, Value string }

// Headers is an ordered, multi-valued header map like Envoy's HeaderMapImpl: the
// pseudo-headers first, then the others in arrival order. It belongs to one request.
type Headers []Header

// Of builds Headers from name, value pairs, names as given (Envoy hands filters
// lower-case names); a trailing odd name is ignored.
func Of(kv ...string) Headers {
	h := make(Headers, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, Header{kv[i], kv[i+1]})
	}
	return h
}

// Get returns the first value of key and whether it exists.
func (m Headers) Get(key string) (string, bool) {
	for _, h := range m {
		if h.Key == key {
			return h.Value, true
		}
	}
	return "", false
}

// Joined returns every value of key joined with ",", which is how Envoy's header
// matchers see a repeated header (source/common/http/header_utility.cc getAllOfHeaderAsString).
func (m Headers) Joined(key string) (string, bool) {
	var vals []string
	for _, h := range m {
		if h.Key == key {
			vals = append(vals, h.Value)
		}
	}
	return strings.Join(vals, ","), len(vals) > 0
}

// Set replaces every value of key with value, keeping the position of the first one
// (HeaderMap::setCopy).
func (m *Headers) Set(key, value string) {
	out := (*m)[:0]
	done := false
	for _, h := range *m {
		if h.Key != key {
			out = append(out, h)
			continue
		}
		if !done {
			out = append(out, Header{key, value})
			done = true
		}
	}
	if !done {
		out = append(out, Header{key, value})
	}
	*m = out
}

// Add appends a value (HeaderMap::addCopy).
func (m *Headers) Add(key, value string) { *m = append(*m, Header{key, value}) }

// Remove deletes every value of key.
func (m *Headers) Remove(key string) {
	out := (*m)[:0]
	for _, h := range *m {
		if h.Key != key {
			out = append(out, h)
		}
	}
	*m = out
}

// Proto is the map as ext_proc sends it: every value in raw_value only. Envoy 1.32
// removed the `send_header_raw_value` runtime guard, so `value` stays empty
// (docs: version_history v1.32.0, "ext_proc: removed send_header_raw_value").
func (m Headers) Proto() *corev3.HeaderMap {
	out := &corev3.HeaderMap{Headers: make([]*corev3.HeaderValue, 0, len(m))}
	for _, h := range m {
		out.Headers = append(out.Headers, &corev3.HeaderValue{Key: h.Key, RawValue: []byte(h.Value)})
	}
	return out
}
