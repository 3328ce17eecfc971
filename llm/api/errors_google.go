package api

import (
	"net/http"
	"strconv"
)

// googleStatus is the google.rpc.Code name that Google's APIs put in an error's "status"
// for an HTTP status, following the HTTP mapping of google/rpc/code.proto. Statuses the
// mapping does not name get the code closest in meaning: 405 (a path served for POST
// only) is UNIMPLEMENTED, 413 and 415 are INVALID_ARGUMENT (Google answers an oversized
// request with 400 INVALID_ARGUMENT; tollgate keeps its own HTTP status).
func googleStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusUnprocessableEntity:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusConflict:
		return "ABORTED"
	case http.StatusPreconditionFailed, http.StatusUpgradeRequired:
		return "FAILED_PRECONDITION"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	case http.StatusInternalServerError:
		return "INTERNAL"
	}
	return "UNKNOWN"
}

// googleBody renders e in Google's error shape, {"error":{"code":N,"message":..,"status":..}}
// (google.rpc.Status as Google's JSON APIs send it). e.Type, an Anthropic or OpenAI type
// name, has no place in it.
func (e *Error) googleBody() []byte {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, `{"error":{"code":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, e.Message)
	b = append(b, `,"status":`...)
	b = strconv.AppendQuote(b, googleStatus(e.Status))
	return append(b, `}}`...)
}
