package filter

import (
	"fmt"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
)

// The messages Envoy's filter sends, one per HTTP event (external_processor.proto
// ProcessingRequest). Headers go as raw_value only (see Headers.Proto).

// RequestHeaders is the request_headers message; endOfStream means the request has no
// body.
func RequestHeaders(h *corev3.HeaderMap, endOfStream bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{Headers: h, EndOfStream: endOfStream}}}
}

// RequestBody is a request_body message: the whole body (BUFFERED) or one chunk
// (STREAMED).
func RequestBody(body []byte, endOfStream bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
		RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: endOfStream}}}
}

// ResponseHeaders is the response_headers message; endOfStream means the response has
// no body.
func ResponseHeaders(h *corev3.HeaderMap, endOfStream bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{
		ResponseHeaders: &extprocv3.HttpHeaders{Headers: h, EndOfStream: endOfStream}}}
}

// ResponseBody is a response_body message: the whole body (BUFFERED) or one chunk
// (STREAMED; the last may be empty and only carry end_of_stream).
func ResponseBody(body []byte, endOfStream bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: body, EndOfStream: endOfStream}}}
}

// Answers reports whether reply is of the type that answers req (an
// immediate_response answers any message, but is not "of the type": see Stream.Call).
func Answers(req *extprocv3.ProcessingRequest, reply *extprocv3.ProcessingResponse) bool {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return reply.GetRequestHeaders() != nil
	case *extprocv3.ProcessingRequest_RequestBody:
		return reply.GetRequestBody() != nil
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return reply.GetRequestTrailers() != nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return reply.GetResponseHeaders() != nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		return reply.GetResponseBody() != nil
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		return reply.GetResponseTrailers() != nil
	}
	return false
}

// MessageName names a message's oneof case ("request_headers", ...).
func MessageName(req *extprocv3.ProcessingRequest) string {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return "request_headers"
	case *extprocv3.ProcessingRequest_RequestBody:
		return "request_body"
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return "request_trailers"
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return "response_headers"
	case *extprocv3.ProcessingRequest_ResponseBody:
		return "response_body"
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		return "response_trailers"
	case nil:
		return "message without a request"
	default:
		return fmt.Sprintf("message %T", req.GetRequest())
	}
}

// ReplyName names a reply's oneof case for error messages.
func ReplyName(r *extprocv3.ProcessingResponse) string {
	switch r.GetResponse().(type) {
	case *extprocv3.ProcessingResponse_RequestHeaders:
		return "request_headers reply"
	case *extprocv3.ProcessingResponse_RequestBody:
		return "request_body reply"
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		return "response_headers reply"
	case *extprocv3.ProcessingResponse_ResponseBody:
		return "response_body reply"
	case *extprocv3.ProcessingResponse_RequestTrailers:
		return "request_trailers reply"
	case *extprocv3.ProcessingResponse_ResponseTrailers:
		return "response_trailers reply"
	case *extprocv3.ProcessingResponse_ImmediateResponse:
		return "immediate_response"
	case *extprocv3.ProcessingResponse_StreamedImmediateResponse:
		return "streamed_immediate_response"
	case nil:
		return "reply without a response"
	default:
		return fmt.Sprintf("reply %T", r.GetResponse())
	}
}

// Common is the CommonResponse of a headers or body reply (nil for others).
func Common(r *extprocv3.ProcessingResponse) *extprocv3.CommonResponse {
	switch x := r.GetResponse().(type) {
	case *extprocv3.ProcessingResponse_RequestHeaders:
		return x.RequestHeaders.GetResponse()
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		return x.ResponseHeaders.GetResponse()
	case *extprocv3.ProcessingResponse_RequestBody:
		return x.RequestBody.GetResponse()
	case *extprocv3.ProcessingResponse_ResponseBody:
		return x.ResponseBody.GetResponse()
	}
	return nil
}
