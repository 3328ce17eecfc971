package gateway

import (
	"io"
	"log/slog"
	"strings"
)

// secretKeys are attribute names whose values never reach a log line.
var secretKeys = map[string]bool{
	"authorization": true, "x-api-key": true, "api-key": true, "x-goog-api-key": true,
	"x-amz-security-token": true, "api_key": true, "apikey": true, "secret": true,
	"password": true, "token": true, "access_token": true, "key_sha256": true,
}

// redact replaces the value of any attribute named like a credential.
func redact(_ []string, a slog.Attr) slog.Attr {
	if secretKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[REDACTED]")
	}
	return a
}

// NewLogger returns a JSON logger at level ("debug", "info", "warn", "error") that
// redacts credential-named attributes.
func NewLogger(w io.Writer, level string) (*slog.Logger, *slog.LevelVar) {
	lv := new(slog.LevelVar)
	_ = lv.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: redact})), lv
}
