package translate

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// Responses client, Messages upstream: the response object of response.created,
// .completed, .incomplete and .failed, its usage, and the errors as Codex reads them.

// response appends the response object with status and, when done, its output and usage.
func (s *responsesFromMessages) response(out []byte, status string, done bool, errObj []byte) []byte {
	out = append(out, `,"response":{"id":"resp_`...)
	out = append(out, s.base...)
	out = append(out, `","object":"response","created_at":`...)
	out = appendInt(out, s.created)
	out = append(out, `,"status":"`...)
	out = append(out, status...)
	out = append(out, `","model":`...)
	out = appendString(out, s.x.ClientModel)
	out = append(out, `,"output":[`...)
	if done {
		out = append(out, s.items...)
	}
	out = append(out, ']')
	switch {
	case status == "incomplete":
		out = append(out, `,"incomplete_details":{"reason":"max_output_tokens"}`...)
	case errObj != nil:
		out = append(out, `,"error":`...)
		out = append(out, errObj...)
	}
	out = append(out, `,"usage":`...)
	if done {
		out = appendResponsesUsage(out, s.u)
	} else {
		out = append(out, "null"...)
	}
	return append(out, '}')
}

// appendResponsesUsage appends u as a Responses usage object (input_tokens counts the
// cached and cache-written tokens, as OpenAI's does).
func appendResponsesUsage(b []byte, u messagesUsage) []byte {
	input := u.input + u.cacheRead + u.cacheWrite
	b = append(b, `{"input_tokens":`...)
	b = appendInt(b, input)
	b = append(b, `,"input_tokens_details":{"cached_tokens":`...)
	b = appendInt(b, u.cacheRead)
	b = append(b, `},"output_tokens":`...)
	b = appendInt(b, u.output)
	b = append(b, `,"output_tokens_details":{"reasoning_tokens":`...)
	b = appendInt(b, u.thinking)
	b = append(b, `},"total_tokens":`...)
	b = appendInt(b, input+u.output)
	return append(b, '}')
}

// fail ends the client's stream with response.failed, with the error as OpenAI codes it.
func (s *responsesFromMessages) fail(out []byte, err error, e *api.Error) []byte {
	if !s.started {
		out = s.start(out, gjson.Result{})
	}
	s.stopped = true
	ae := upstreamError(err, e)
	obj := append(s.scratch[:0], `{"code":"`...)
	obj = append(obj, responsesErrorCode(ae)...)
	obj = append(obj, `","message":`...)
	obj = appendString(obj, ae.Message)
	obj = append(obj, '}')
	out = s.ev(out, "response.failed")
	out = endEvent(s.response(out, "failed", true, obj))
	s.scratch = obj[:0]
	return out
}

// responsesErrorCode is the code of a Responses error for e: the codes Codex acts on
// (context_length_exceeded, rate_limit_exceeded) where they apply.
func responsesErrorCode(e *api.Error) string {
	switch {
	case e.Status == 400 && containsFold(e.Message, "prompt is too long"):
		return "context_length_exceeded"
	case e.Status == 429:
		return "rate_limit_exceeded"
	case e.Status == 529 || e.Status == 503:
		return "server_is_overloaded"
	case e.Status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }
