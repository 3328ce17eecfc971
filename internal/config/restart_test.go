package config

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestRestartOnlyChanges: each restart-only setting is reported when a reload changes
// it (max_request_body only when raised); a change to a setting that reloads is not.
func TestRestartOnlyChanges(t *testing.T) {
	base := "providers:\n  - {name: a, type: anthropic, api_key: k}\nmodels:\n  - {match: \"*\", provider: a}\n"
	parse := func(extra string) *File {
		t.Helper()
		l, err := Parse("t.yaml", []byte(base+extra), os.LookupEnv)
		if err != nil {
			t.Fatal(err)
		}
		return &l.File
	}
	started := parse("limits: {max_request_body: 1000}\n")
	tests := []struct {
		extra string
		want  []string // setting names reported
	}{
		{"limits: {max_request_body: 1000}\n", nil},
		{"limits: {max_request_body: 500}\n", nil},
		{"limits: {max_request_body: 1000, max_inflight_body_bytes: 5000, stream_idle_timeout: 1m}\nserver: {shutdown_grace: 5s, drain_delay: 1s, log_level: debug}\n", nil},
		{"limits: {max_request_body: 2000}\n", []string{"limits.max_request_body"}},
		{"listen: \":1\"\nadmin: \":2\"\nlimits: {max_request_body: 1000, max_concurrent_streams: 7}\n", []string{"listen", "admin", "limits.max_concurrent_streams"}},
		{"limits: {max_request_body: 1000}\nserver: {reload_endpoint: false, watch_config: false, tls: {cert_file: c, key_file: k}}\n",
			[]string{"server.tls", "server.reload_endpoint", "server.watch_config"}},
		{"limits: {max_request_body: 1000}\npricing: {url: prices.json, refresh: 1h, timeout: 5s}\n", []string{"pricing.url", "pricing.refresh", "pricing.timeout"}},
	}
	for _, tc := range tests {
		var names []string
		for _, c := range RestartOnlyChanges(started, parse(tc.extra)) {
			name, _, _ := strings.Cut(c, ":")
			names = append(names, name)
			if !slices.Contains(RestartOnly, name) {
				t.Errorf("%q is reported but not in RestartOnly", name)
			}
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%q: changes %v, want %v", tc.extra, names, tc.want)
		}
	}
}
