package extproc

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/api"
)

// response is the response side of one request.
type response struct {
	status          int
	contentType     string
	contentEncoding string
	headersAt       time.Time
	meter           *metering.Meter
	// buffered is set when the body comes in one BUFFERED message (JSON, errors).
	buffered bool
	// rewriteChunk turns each streamed chunk into what the client gets (Bedrock event
	// stream → SSE); endOfStream flushes what is left.
	rewriteChunk func(chunk []byte, endOfStream bool) []byte
	// rewriteBody turns a buffered body into the client's shape (nil: unchanged).
	rewriteBody func(body []byte) []byte
	// events is the event-stream framer, for the invocation-metrics cross-check.
	events *eventStreamFramer
}

const (
	contentTypeSSE         = "text/event-stream"
	contentTypeJSON        = "application/json"
	contentTypeEventStream = "application/vnd.amazon.eventstream"
)

// onResponseHeaders decides how tollgate sees the body: event streams STREAMED (each
// chunk answered at once), JSON BUFFERED, anything else not at all.
func (st *stream) onResponseHeaders(h *extprocv3.HttpHeaders) *extprocv3.ProcessingResponse {
	r := &st.resp
	r.headersAt = st.srv.now()
	if h.Headers != nil {
		for _, hv := range h.Headers.Headers {
			switch hv.Key {
			case ":status":
				r.status, _ = strconv.Atoi(headerValue(hv))
			case "content-type":
				r.contentType = headerValue(hv)
			case "content-encoding":
				r.contentEncoding = headerValue(hv)
			}
		}
	}
	st.code = r.status
	reply := &extprocv3.HeadersResponse{}
	resp := &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: reply}}
	if !st.routed || h.EndOfStream {
		resp.DynamicMetadata = st.finish(false)
		return resp
	}

	mode := extprocfilterv3.ProcessingMode_NONE
	mt := api.MediaType(r.contentType)
	switch {
	case r.status >= http.StatusBadRequest:
		// Errors carry no usage; a provider whose error bodies are not in the client's
		// shape gets the body buffered to translate it.
		if et, ok := st.prov.(provider.ErrorTranslator); ok && mt == contentTypeJSON {
			r.rewriteBody = func(b []byte) []byte { return et.TranslateError(st.kind, r.status, b) }
			r.buffered, mode = true, extprocfilterv3.ProcessingMode_BUFFERED
		}
	case st.kind.CountsTokens():
		// count_tokens answers are not usage; Bedrock's answer is reshaped for an
		// Anthropic-API client.
		if st.kind == api.AnthropicCountTokens && st.prov.Type() == "bedrock" && mt == contentTypeJSON {
			r.rewriteBody = func(b []byte) []byte { out, _ := provider.BedrockCountTokensResponse(b); return out }
			r.buffered, mode = true, extprocfilterv3.ProcessingMode_BUFFERED
		}
	case mt == contentTypeSSE:
		r.meter = st.newMeter()
		mode = extprocfilterv3.ProcessingMode_STREAMED
	case mt == contentTypeEventStream && r.contentEncoding == "":
		st.setupEventStream(reply)
		mode = extprocfilterv3.ProcessingMode_STREAMED
	case mt == contentTypeJSON || strings.HasSuffix(mt, "+json"):
		r.meter, r.buffered = st.newMeter(), true
		mode = extprocfilterv3.ProcessingMode_BUFFERED
	}
	if mode == extprocfilterv3.ProcessingMode_NONE {
		resp.DynamicMetadata = st.finish(false)
		return resp
	}
	resp.ModeOverride = &extprocfilterv3.ProcessingMode{ResponseBodyMode: mode}
	return resp
}

func (st *stream) newMeter() *metering.Meter {
	return metering.New(st.kind, st.resp.contentType, st.resp.contentEncoding, st.meterLimits())
}

func (st *stream) meterLimits() metering.Limits {
	return metering.Limits{
		MaxEventBytes:   int(st.rt.MaxEventSize),
		MaxDecodedBytes: st.rt.MaxDecompressed,
		Now:             st.srv.now,
	}
}

// onResponseBody meters a chunk (or the whole buffered body) and answers at once with
// the chunk unchanged, unless it must be translated for the client.
func (st *stream) onResponseBody(b *extprocv3.HttpBody) *extprocv3.ProcessingResponse {
	r := &st.resp
	resp, common := st.chunkReply()
	if st.done {
		return resp // a repeated end-of-stream chunk: nothing more to record
	}
	if r.events != nil {
		r.events.out = r.events.out[:0]
	}
	if r.meter != nil {
		r.meter.Write(b.Body)
	}
	switch {
	case r.rewriteChunk != nil:
		common.BodyMutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: r.rewriteChunk(b.Body, b.EndOfStream)}}
	case r.rewriteBody != nil && r.buffered:
		if out := r.rewriteBody(b.Body); out != nil {
			common.BodyMutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: out}}
			common.HeaderMutation = &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
				setHeader("content-type", contentTypeJSON),
				setHeader("content-length", strconv.Itoa(len(out))),
			}}
		}
	}
	if b.EndOfStream || r.buffered {
		resp.DynamicMetadata = st.finish(false)
	}
	return resp
}

// chunkReply returns the stream's reply to a response body chunk, emptied. It is reused
// for every chunk (gRPC serialises a reply before Send returns and the next message is
// only read after), so a chunk that changes nothing costs no allocation.
func (st *stream) chunkReply() (*extprocv3.ProcessingResponse, *extprocv3.CommonResponse) {
	c := &st.reply
	if c.resp == nil {
		c.common = &extprocv3.CommonResponse{}
		c.resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
			ResponseBody: &extprocv3.BodyResponse{Response: c.common},
		}}
	}
	c.common.HeaderMutation, c.common.BodyMutation = nil, nil
	c.resp.DynamicMetadata = nil
	return c.resp, c.common
}

// chunkReply is the reusable reply of onResponseBody.
type chunkReply struct {
	resp   *extprocv3.ProcessingResponse
	common *extprocv3.CommonResponse
}
