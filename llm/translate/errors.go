package translate

import (
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"

	"github.com/tollgate/tollgate/llm/api"
)

// Errors: an upstream error answer (a non-2xx status) is reshaped into the client's
// error shape with the same status; an error inside a stream becomes the client's error
// event. The message is the upstream's own.

// upstreamErr is an error the upstream reported inside its stream.
type upstreamErr struct{ e *api.Error }

func (u *upstreamErr) Error() string {
	return "translate: the upstream reported an error: " + u.e.Message
}
func (u *upstreamErr) Unwrap() error { return ErrUpstream }

// anthropicStatus is the HTTP status of an Anthropic error type.
var anthropicStatus = map[string]int{
	"invalid_request_error": http.StatusBadRequest,
	"authentication_error":  http.StatusUnauthorized,
	"billing_error":         http.StatusPaymentRequired,
	"permission_error":      http.StatusForbidden,
	"not_found_error":       http.StatusNotFound,
	"request_too_large":     http.StatusRequestEntityTooLarge,
	"rate_limit_error":      http.StatusTooManyRequests,
	"api_error":             http.StatusInternalServerError,
	"timeout_error":         http.StatusGatewayTimeout,
	"overloaded_error":      529,
}

// anthropicError reads an Anthropic error ({"type":"error","error":{"type","message"}});
// status 0 takes the status its type stands for.
func anthropicError(body gjson.Result, status int) *api.Error {
	e := body.Get("error")
	typ, msg := e.Get("type").Str, e.Get("message").Str
	if status == 0 {
		if status = anthropicStatus[typ]; status == 0 {
			status = http.StatusBadGateway
		}
	}
	if msg == "" {
		msg = "the upstream answered " + http.StatusText(status)
	}
	return &api.Error{Status: status, Message: msg}
}

// openAIStatus is the HTTP status of an OpenAI error type or code, for errors inside a
// stream (which have no status of their own).
func openAIStatus(e gjson.Result) int {
	for _, v := range [...]string{e.Get("code").String(), e.Get("type").Str} {
		switch v {
		case "rate_limit_exceeded", "rate_limit_error", "insufficient_quota":
			return http.StatusTooManyRequests
		case "invalid_request_error", "context_length_exceeded", "invalid_request":
			return http.StatusBadRequest
		case "server_error", "api_error":
			return http.StatusInternalServerError
		case "service_unavailable", "overloaded":
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusBadGateway
}

// openAIError reads an OpenAI error ({"error":{"message","type","code"}}); Gemini's
// OpenAI-compatible endpoint may answer a list of them. status 0 takes one from the type.
func openAIError(body gjson.Result, status int) *api.Error {
	if body.IsArray() {
		body = body.Get("0")
	}
	e := body.Get("error")
	if status == 0 {
		status = openAIStatus(e)
	}
	msg := e.Get("message").Str
	if msg == "" {
		msg = "the upstream answered " + http.StatusText(status)
	}
	return &api.Error{Status: status, Message: msg}
}

// ReshapeError turns the upstream's error answer (status ≥ 400) into the client's error
// shape, keeping the upstream's message. A body that is not the upstream API's error
// shape gets a message naming the status.
func ReshapeError(p Pair, status int, body []byte) []byte {
	var e *api.Error
	root := parse(body)
	if !jsonlimit.Valid(body) {
		root = gjson.Result{}
	}
	switch p.Upstream {
	case api.AnthropicMessages:
		e = anthropicError(root, status)
	default:
		e = openAIError(root, status)
	}
	return e.Body(p.Client)
}
