// Package clients runs the real coding-agent CLIs — Claude Code, Codex and Gemini CLI,
// installed from npm at the versions of versions.json by install.sh — headless against
// a real tollgate behind the Envoy stand-in, with the generated mock provider upstream.
// See TestRealClients and README.md.
package clients
