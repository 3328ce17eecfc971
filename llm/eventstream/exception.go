package eventstream

import (
	"net/http"

	"github.com/tollgate/tollgate/llm/api"
)

// Exception is an exception (or error) message in the stream, e.g. a
// throttlingException after the stream started.
type Exception struct {
	// Type is the :exception-type header (or the :error-code of an error message).
	Type    string
	Message string
	// Payload is the message's raw payload, valid only during the handler call.
	Payload []byte
}

// exceptionErrors maps Bedrock's stream exceptions to the Anthropic error they mean.
var exceptionErrors = map[string]api.Error{
	"throttlingException":         {Status: http.StatusTooManyRequests, Type: "rate_limit_error"},
	"validationException":         {Status: http.StatusBadRequest, Type: "invalid_request_error"},
	"serviceUnavailableException": {Status: http.StatusServiceUnavailable, Type: "overloaded_error"},
	"modelTimeoutException":       {Status: http.StatusRequestTimeout, Type: "api_error"},
	"internalServerException":     {Status: http.StatusInternalServerError, Type: "api_error"},
	"modelStreamErrorException":   {Status: http.StatusInternalServerError, Type: "api_error"},
}

// APIError is the client-facing error an exception stands for.
func (e Exception) APIError() *api.Error {
	out, ok := exceptionErrors[e.Type]
	if !ok {
		out = api.Error{Status: http.StatusInternalServerError, Type: "api_error"}
	}
	out.Message = e.Message
	if out.Message == "" {
		out.Message = "upstream stream exception: " + e.Type
	}
	return &out
}
