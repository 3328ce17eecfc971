package bench

import (
	"strconv"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// messages are a scenario's ProcessingRequests, built once and only read afterwards (gRPC
// marshals them on every send; marshalling does not modify them). The request_headers
// message is cloned per worker so that each request carries its own x-request-id.
type messages struct {
	sc          *Scenario
	reqHeaders  *extprocv3.ProcessingRequest
	reqBody     *extprocv3.ProcessingRequest
	respHeaders *extprocv3.ProcessingRequest
	// chunks are the STREAMED response_body messages, the last an empty end_of_stream.
	chunks []*extprocv3.ProcessingRequest
	// whole is the BUFFERED response_body message.
	whole *extprocv3.ProcessingRequest
}

// requestIDWidth is the fixed width of the generated x-request-id values.
const requestIDWidth = 20

func newMessages(sc *Scenario, key string) *messages {
	keyValue := key
	if sc.KeyHeader == "authorization" {
		keyValue = "Bearer " + key
	}
	m := &messages{sc: sc}
	m.reqHeaders = filter.RequestHeaders(filter.Of(
		":authority", "llm-gateway.internal",
		":path", sc.Path,
		":method", "POST",
		":scheme", "http",
		"content-type", "application/json",
		"content-length", strconv.Itoa(len(sc.Body)),
		"user-agent", "tollgate-bench/1",
		sc.KeyHeader, keyValue,
		"x-forwarded-proto", "https",
		"x-request-id", string(make([]byte, requestIDWidth)),
	).Proto(), false)
	m.reqBody = filter.RequestBody(sc.Body, true)
	m.respHeaders = filter.ResponseHeaders(filter.Of(
		":status", "200",
		"content-type", sc.ContentType,
		"date", "Thu, 01 Jan 2026 00:00:00 GMT",
		"x-envoy-upstream-service-time", "180",
	).Proto(), false)
	for _, c := range sc.Chunks {
		m.chunks = append(m.chunks, filter.ResponseBody(c, false))
	}
	m.chunks = append(m.chunks, filter.ResponseBody(nil, true))
	m.whole = filter.ResponseBody(joined(sc.Chunks), true)
	return m
}

// requestHeaders is one worker's copy of the request_headers message and the x-request-id
// value inside it, rewritten in place for each request.
type requestHeaders struct {
	msg *extprocv3.ProcessingRequest
	id  []byte
}

func (m *messages) workerHeaders(worker int) *requestHeaders {
	msg := proto.Clone(m.reqHeaders).(*extprocv3.ProcessingRequest)
	hs := msg.GetRequestHeaders().GetHeaders().GetHeaders()
	rh := &requestHeaders{msg: msg, id: hs[len(hs)-1].RawValue}
	copy(rh.id, "bench-")
	rh.setID(worker, 0)
	return rh
}

// setID writes "bench-WWWW-NNNNNNNNN" (worker, sequence) into the x-request-id value.
func (rh *requestHeaders) setID(worker int, seq int64) {
	putDigits(rh.id[6:10], int64(worker))
	rh.id[10] = '-'
	putDigits(rh.id[11:], seq)
}

// putDigits writes n in decimal, zero-padded and truncated to len(dst).
func putDigits(dst []byte, n int64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
}
