package api

import (
	"fmt"
	"net/http"
	"strconv"
)

// Error is a request failure that the client sees in its own API's error shape.
type Error struct {
	Status  int
	Message string
	// Type overrides the error type string; empty picks the usual one for Status.
	Type string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// Errorf builds an *Error.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// anthropicType maps a status to Anthropic's error type names.
func anthropicType(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity,
		http.StatusMethodNotAllowed, http.StatusUpgradeRequired:
		// A wrong method or a protocol upgrade is the client's request, not a fault of
		// the server: never api_error (which clients retry).
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusUnsupportedMediaType:
		return "invalid_request_error"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	default:
		return "api_error"
	}
}

// openAIType maps a status to OpenAI's error type and code.
func openAIType(status int) (typ, code string) {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusUnsupportedMediaType:
		return "invalid_request_error", "invalid_request"
	case http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key"
	case http.StatusForbidden:
		return "invalid_request_error", "permission_denied"
	case http.StatusNotFound:
		return "invalid_request_error", "not_found"
	case http.StatusMethodNotAllowed:
		return "invalid_request_error", "method_not_allowed"
	case http.StatusUpgradeRequired:
		return "invalid_request_error", "upgrade_required"
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded", "rate_limit_exceeded"
	case http.StatusServiceUnavailable:
		return "server_error", "service_unavailable"
	default:
		return "server_error", "server_error"
	}
}

// AnthropicErrorType is the Anthropic error type for e.
func (e *Error) AnthropicErrorType() string {
	if e.Type != "" {
		return e.Type
	}
	return anthropicType(e.Status)
}

// Body renders e in the error shape of API k:
// Anthropic {"type":"error","error":{"type":..,"message":..}},
// OpenAI {"error":{"message":..,"type":..,"code":..}} or
// Google {"error":{"code":..,"message":..,"status":..}}.
func (e *Error) Body(k Kind) []byte {
	if k.GoogleShaped() {
		return e.googleBody()
	}
	if k.AnthropicShaped() {
		b := make([]byte, 0, 64+len(e.Message))
		b = append(b, `{"type":"error","error":{"type":`...)
		b = strconv.AppendQuote(b, e.AnthropicErrorType())
		b = append(b, `,"message":`...)
		b = appendJSONString(b, e.Message)
		return append(b, `}}`...)
	}
	typ, code := openAIType(e.Status)
	if e.Type != "" {
		typ = e.Type
	}
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, `{"error":{"message":`...)
	b = appendJSONString(b, e.Message)
	b = append(b, `,"type":`...)
	b = strconv.AppendQuote(b, typ)
	b = append(b, `,"param":null,"code":`...)
	b = strconv.AppendQuote(b, code)
	return append(b, `}}`...)
}
