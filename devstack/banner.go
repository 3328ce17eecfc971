package devstack

import (
	"fmt"
	"io"
	"strings"
)

// EmbeddedNotice is the banner's warning when the stand-in serves instead of Envoy.
const EmbeddedNotice = `NOTE: -embedded serves HTTP with tollgate's Envoy stand-in (internal/envoysim), not Envoy.
      It is for trying tollgate out, not for production: HTTP/1.1 only, no TLS, and only
      the Envoy features envoy.yaml uses. Run without -embedded for a real Envoy.`

// printBanner says what runs where, the key, and what to try.
func printBanner(w io.Writer, info Info, embedded bool) {
	var b strings.Builder
	front := "Envoy (" + info.Envoy + ")"
	if info.EnvoyVersion != "" {
		front = "Envoy " + info.EnvoyVersion + " (" + info.Envoy + ", downloaded by func-e)"
	}
	if embedded {
		front = "the embedded Envoy stand-in"
	}
	fmt.Fprintf(&b, "\ntollgate dev is up: %s in front of tollgate\n\n", front)
	row := func(k, v string) { fmt.Fprintf(&b, "  %-10s %s\n", k, v) }
	row("clients", info.URL+"   (point clients here)")
	row("metrics", info.Metrics+"   (tollgate's admin: /metrics /healthz /readyz)")
	if info.EnvoyAdmin != "" {
		row("envoy", info.EnvoyAdmin+"   (Envoy's admin)")
	}
	if info.Quickstart {
		row("config", "the quickstart's, deploy/tollgate.yaml (built in)")
	} else {
		row("config", info.Config+"   (restart tollgate dev after changing its providers)")
	}
	if len(info.MockProviders) > 0 {
		row("mock", strings.Join(info.MockProviders, ", ")+" → the built-in mock provider at "+info.Mock)
	}
	if len(info.RealProviders) > 0 {
		row("providers", strings.Join(info.RealProviders, ", "))
	}
	key := info.Key
	switch {
	case key != "":
		row("key", key)
	case info.ClientAuth:
		key = "$TOLLGATE_KEY"
		row("key", "one of the config's keys (tollgate keygen NAME TEAM makes one)")
	default:
		row("key", "none: the config has no keys, so any client is let in")
	}
	b.WriteString("\nTry:\n")
	header := ""
	if key != "" {
		header = fmt.Sprintf(` -H "x-api-key: %s"`, key)
	}
	if info.Quickstart {
		fmt.Fprintf(&b, "  curl -s %s/v1/messages%s -H 'content-type: application/json' \\\n", info.URL, header)
		b.WriteString(`    -d '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}'` + "\n")
		fmt.Fprintf(&b, "  curl -s %s | grep ^tollgate_tokens_total\n", info.Metrics)
		fmt.Fprintf(&b, "  ANTHROPIC_BASE_URL=%s ANTHROPIC_AUTH_TOKEN=%s claude\n", info.URL, key)
	} else {
		fmt.Fprintf(&b, "  curl -s %s/v1/models%s\n", info.URL, header)
		fmt.Fprintf(&b, "  curl -s %s | grep ^tollgate_\n", info.Metrics)
	}
	if embedded {
		b.WriteString("\n" + EmbeddedNotice + "\n")
	}
	b.WriteString("\nCtrl-C stops everything.\n\n")
	_, _ = io.WriteString(w, b.String())
}
