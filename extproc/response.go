package extproc

import (
	"strconv"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate/tollgate/internal/metering"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/llm/api"
)

// response is the response side of one request. Its body goes through up to two
// stages, each with its own errors: the meter reads the upstream's bytes (or, when
// translating, the upstream's events as the translator decodes them), and the
// translator makes the client's bytes. A metering error stops metering only.
type response struct {
	status          int
	contentType     string
	contentEncoding string
	headersAt       time.Time
	meter           *metering.Meter
	// whole is set when the body comes in one BUFFERED message (JSON, errors).
	whole bool
	// translator makes the client's bytes from the upstream's (nil: unchanged);
	// translateErr is its error, once it failed.
	translator   provider.Translator
	translateErr error
	// reshape turns a whole body into the client's shape (nil: unchanged).
	reshape func(body []byte) []byte
}

// onResponseHeaders asks the provider what to do with the body, and tells Envoy how to
// send it: STREAMED (each chunk answered at once), BUFFERED (whole), or not at all.
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
	plan := st.prov.PlanResponse(provider.Response{
		Client: st.kind, Status: r.status, ContentType: r.contentType, ContentEncoding: r.contentEncoding,
	})
	if !st.apply(plan) {
		resp.DynamicMetadata = st.finish(false)
		return resp
	}
	mode := extprocfilterv3.ProcessingMode_STREAMED
	if r.whole {
		mode = extprocfilterv3.ProcessingMode_BUFFERED
	}
	resp.ModeOverride = &extprocfilterv3.ProcessingMode{ResponseBodyMode: mode}
	if len(plan.SetHeaders) > 0 || len(plan.RemoveHeaders) > 0 {
		set := make([]*corev3.HeaderValueOption, len(plan.SetHeaders))
		for i, hv := range plan.SetHeaders {
			set[i] = setHeader(hv.Key, hv.Value)
		}
		reply.Response = &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{
			SetHeaders: set, RemoveHeaders: plan.RemoveHeaders,
		}}
	}
	return resp
}

// apply sets up the stages of a plan; false means the body is not read at all.
func (st *stream) apply(plan provider.ResponsePlan) bool {
	r := &st.resp
	upstream := plan.Upstream
	if upstream == api.Unknown {
		upstream = st.kind
	}
	switch {
	case plan.Body == provider.BodyTranslate && plan.Translator != nil:
		r.meter = metering.ForEvents(upstream, st.meterLimits())
		r.translator = plan.Translator(r.meter)
	case plan.Body == provider.BodyMeter, plan.Body == provider.BodyTranslate:
		r.meter = metering.New(upstream, r.contentType, r.contentEncoding, st.meterLimits())
	case plan.Body == provider.BodyReshape && plan.Reshape != nil:
		r.reshape = plan.Reshape
		r.whole = true
		return true
	default:
		return false
	}
	r.whole = !plan.Stream
	return true
}

func (st *stream) meterLimits() metering.Limits {
	return metering.Limits{
		MaxEventBytes:   int(st.rt.Limits().MaxEventSize),
		MaxDecodedBytes: st.rt.Limits().MaxDecompressed,
		Now:             st.srv.now,
	}
}

// onResponseBody meters a chunk (or the whole buffered body) and answers at once with
// the chunk unchanged, or with what the client gets instead (a translation, a reshaped
// error).
func (st *stream) onResponseBody(b *extprocv3.HttpBody) *extprocv3.ProcessingResponse {
	r := &st.resp
	resp, common := st.chunkReply()
	if st.done {
		return resp // a repeated end-of-stream chunk: nothing more to record
	}
	end := b.EndOfStream || r.whole
	switch {
	case r.translator != nil:
		out, err := r.translator.Translate(b.Body, end)
		if err != nil && r.translateErr == nil {
			r.translateErr = err
			st.log.Warn("translating the response failed; the client's response ends with an error",
				"request_id", st.hdr.requestID, "provider", st.route.Provider, "err", err)
		}
		st.replaceBody(common, out, r.whole)
	case r.meter != nil:
		r.meter.Write(b.Body)
	case r.reshape != nil:
		if out := r.reshape(b.Body); out != nil {
			st.replaceBody(common, out, true)
		}
	}
	if end {
		resp.DynamicMetadata = st.finish(false)
	}
	return resp
}

// replaceBody sends the client body instead of the chunk; a whole body replaced also
// gets its content-type and content-length (Envoy has not sent the headers yet).
func (st *stream) replaceBody(common *extprocv3.CommonResponse, body []byte, whole bool) {
	c := &st.reply
	c.body.Body = body
	common.BodyMutation = c.mutation
	if whole {
		common.HeaderMutation = &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
			setHeader("content-type", api.MediaJSON),
			setHeader("content-length", strconv.Itoa(len(body))),
		}}
	}
}

// chunkReply returns the stream's reply to a response body chunk, emptied. It is reused
// for every chunk (gRPC serialises a reply before Send returns and the next message is
// only read after), so a chunk that changes nothing costs no allocation, and a chunk
// that is replaced costs none for the reply either.
func (st *stream) chunkReply() (*extprocv3.ProcessingResponse, *extprocv3.CommonResponse) {
	c := &st.reply
	if c.resp == nil {
		c.common = &extprocv3.CommonResponse{}
		c.resp = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
			ResponseBody: &extprocv3.BodyResponse{Response: c.common},
		}}
		c.body = &extprocv3.BodyMutation_Body{}
		c.mutation = &extprocv3.BodyMutation{Mutation: c.body}
	}
	c.common.HeaderMutation, c.common.BodyMutation = nil, nil
	c.body.Body = nil
	c.resp.DynamicMetadata = nil
	return c.resp, c.common
}

// chunkReply is the reusable reply of onResponseBody.
type chunkReply struct {
	resp     *extprocv3.ProcessingResponse
	common   *extprocv3.CommonResponse
	mutation *extprocv3.BodyMutation
	body     *extprocv3.BodyMutation_Body
}
