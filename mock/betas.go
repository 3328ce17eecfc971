package mock

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// BetaRules make a fake cloud refuse anthropic-beta flags as the real platform does:
// Bedrock answers a flag it does not support with 400, and both platforms answer a body
// field whose beta is not enabled with 400 "Extra inputs are not permitted". Zero rules
// accept everything.
type BetaRules struct {
	// Accept are the flags the platform takes; nil accepts any flag.
	Accept []string
	// Fields maps a body field (a gjson path) to the flag it needs.
	Fields map[string]string
}

// check refuses flags outside Accept and fields without their flag.
func (b BetaRules) check(flags []string, body []byte) error {
	for _, f := range flags {
		if b.Accept != nil && !slices.Contains(b.Accept, f) {
			return betaRefusal(fmt.Sprintf("invalid beta flag %s", f))
		}
	}
	for field, flag := range b.Fields {
		if gjson.GetBytes(body, field).Exists() && !slices.Contains(flags, flag) {
			return betaRefusal(fmt.Sprintf("%s: Extra inputs are not permitted", field))
		}
	}
	return nil
}

// betaRefusal is the platforms' 400, in Anthropic's error shape (both relay it).
func betaRefusal(msg string) error {
	body := fmt.Appendf(nil, `{"type":"error","error":{"type":"invalid_request_error","message":%q}}`, msg)
	return &Refusal{Err: fmt.Errorf("%s", msg), Status: http.StatusBadRequest,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// bodyBetas is an InvokeModel body's anthropic_beta.
func bodyBetas(body []byte) []string {
	var out []string
	for _, f := range gjson.GetBytes(body, "anthropic_beta").Array() {
		out = append(out, f.String())
	}
	return out
}

// headerBetas is a request's anthropic-beta header, flags split.
func headerBetas(h http.Header) []string {
	var out []string
	for _, v := range h.Values("anthropic-beta") {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}
