package keys

import (
	"net/http"
	"testing"
)

func TestConflicting(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      http.Header
		want   bool
		first  string
		second string
	}{
		{"apiKeyHelper: same key twice is one client", http.Header{"authorization": {"Bearer k1"}, "x-api-key": {"k1"}}, false, "", ""},
		{"bearer case and spaces", http.Header{"authorization": {"bearer  k1 "}, "x-api-key": {"k1"}}, false, "", ""},
		{"two keys", http.Header{"authorization": {"Bearer k2"}, "x-api-key": {"k1"}}, true, "authorization", "x-api-key"},
		{"api-key and x-goog-api-key", http.Header{"api-key": {"a"}, "x-goog-api-key": {"b"}}, true, "api-key", "x-goog-api-key"},
		{"one header twice", http.Header{"x-api-key": {"a", "b"}}, true, "x-api-key", "x-api-key"},
		{"basic auth is not a key", http.Header{"authorization": {"Basic Zm9v"}, "x-api-key": {"k1"}}, false, "", ""},
		{"empty values", http.Header{"authorization": {"Bearer "}, "x-api-key": {""}, "api-key": {"k"}}, false, "", ""},
		{"none", http.Header{}, false, "", ""},
	} {
		first, second, got := Conflicting(tc.h)
		if got != tc.want || first != tc.first || second != tc.second {
			t.Errorf("%s: %q %q %v, want %q %q %v", tc.name, first, second, got, tc.first, tc.second, tc.want)
		}
	}
}
