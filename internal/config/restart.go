package config

import (
	"fmt"
	"strconv"
)

// RestartOnly names the settings tollgate reads once, when it starts; every other
// setting reloads. A reload that changes one keeps the running value, and the gateway
// logs a warning naming it (RestartOnlyChanges). The Helm chart rolls its pods only
// when one of these changes (its checksum/config annotation covers exactly these; a
// test in deploy/deploytest keeps the two lists equal).
var RestartOnly = []string{
	"listen",                        // the gRPC listener is bound at start
	"admin",                         // so is the admin listener
	"server.tls",                    // the paths and client_ca (the certificate files themselves are re-read)
	"server.reload_endpoint",        // the admin handler is built at start
	"server.watch_config",           // the file watcher starts, or not, at start
	"limits.max_concurrent_streams", // a gRPC server option
	"limits.max_request_body",       // as the gRPC message limit: a reload may lower it, not raise it
	"pricing.url",                   // the price refresher is built at start
	"pricing.refresh",
	"pricing.timeout",
	"ratelimit", // once a rate-limit service runs (gateway/budgets.go warns when it changes)
}

// RestartOnlyChanges lists the restart-only settings that differ between the config
// tollgate started with and next, as "name: running → next". limits.max_request_body is
// listed only when next raises it: a lower limit applies at once, a higher one stops at
// the gRPC message limit set at start.
func RestartOnlyChanges(started, next *File) []string {
	var out []string
	diff := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s → %s", name, a, b))
		}
	}
	diff("listen", started.Listen, next.Listen)
	diff("admin", started.Admin, next.Admin)
	diff("server.tls", tlsString(started.Server.TLS), tlsString(next.Server.TLS))
	diff("server.reload_endpoint", boolString(started.Server.ReloadEndpoint), boolString(next.Server.ReloadEndpoint))
	diff("server.watch_config", boolString(started.Server.WatchConfig), boolString(next.Server.WatchConfig))
	diff("limits.max_concurrent_streams", strconv.FormatUint(uint64(started.Limits.MaxConcurrentStreams), 10),
		strconv.FormatUint(uint64(next.Limits.MaxConcurrentStreams), 10))
	if next.Limits.MaxRequestBody > started.Limits.MaxRequestBody {
		diff("limits.max_request_body", strconv.FormatInt(started.Limits.MaxRequestBody, 10), strconv.FormatInt(next.Limits.MaxRequestBody, 10))
	}
	diff("pricing.url", strconv.Quote(started.Pricing.URL), strconv.Quote(next.Pricing.URL))
	diff("pricing.refresh", started.Pricing.Refresh, next.Pricing.Refresh)
	diff("pricing.timeout", started.Pricing.Timeout, next.Pricing.Timeout)
	// ratelimit is not compared here: it applies when it first appears, and the gateway's
	// budgets.go warns, with every setting, when a running service's section changes.
	return out
}

func tlsString(t *TLS) string {
	if t == nil {
		return "none"
	}
	return fmt.Sprintf("{cert_file: %q, key_file: %q, client_ca: %q}", t.CertFile, t.KeyFile, t.ClientCA)
}

func boolString(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}
