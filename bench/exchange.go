package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// Phases of one request, in the order Envoy sends them.
const (
	phaseRequestHeaders = iota
	phaseRequestBody
	phaseResponseHeaders
	phaseResponseChunk
	phaseWhole
	numPhases
)

var phaseNames = [numPhases]string{"request_headers", "request_body", "response_headers", "response_chunk", "whole_request"}

// ending is how a request that did not fail ended.
type ending int

const (
	endedFull      ending = iota // every message sent and answered
	endedImmediate               // the server answered with an immediate_response
)

// worker plays Envoy for one request at a time. Not safe for concurrent use.
type worker struct {
	id     int
	client extprocv3.ExternalProcessorClient
	msgs   *messages
	hdrs   *requestHeaders
	resp   extprocv3.ProcessingResponse // reused by every receive
	hist   [numPhases]histogram

	// Of the current request: the last usage the server reported, if any.
	usage    Tokens
	reported bool
}

func newWorker(id int, client extprocv3.ExternalProcessorClient, m *messages) *worker {
	return &worker{id: id, client: client, msgs: m, hdrs: m.workerHeaders(id)}
}

// errImmediate ends a request early: the server sent an immediate_response.
var errImmediate = errors.New("immediate response")

// do runs request seq on its own stream and records the latency of each phase.
func (w *worker) do(ctx context.Context, seq int64) (ending, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream on any early return
	w.usage, w.reported = Tokens{}, false
	w.hdrs.setID(w.id, seq)

	start := time.Now()
	stream, err := w.client.Process(ctx)
	if err != nil {
		return 0, fmt.Errorf("open stream: %w", err)
	}
	end, err := w.exchange(stream)
	if err != nil && !errors.Is(err, errImmediate) {
		return 0, err
	}
	if err := stream.CloseSend(); err != nil {
		return 0, fmt.Errorf("close send: %w", err)
	}
	if err := stream.RecvMsg(&w.resp); !errors.Is(err, io.EOF) {
		if err == nil {
			return 0, fmt.Errorf("unexpected %s after the last message", replyName(&w.resp))
		}
		return 0, fmt.Errorf("awaiting the end of the stream: %w", err)
	}
	if end == endedFull {
		w.hist[phaseWhole].record(time.Since(start))
	}
	return end, nil
}

// exchange sends the messages of one request in Envoy's order, each awaiting its reply.
// errImmediate (with endedImmediate) means the server ended the request early; any other
// error fails the request.
func (w *worker) exchange(stream grpc.BidiStreamingClient[extprocv3.ProcessingRequest, extprocv3.ProcessingResponse]) (ending, error) {
	// request_headers. A CONTINUE_AND_REPLACE reply ends the request direction. A
	// mode_override replaces the whole processing mode, as Envoy applies it: its
	// request_body_mode NONE means no body, and its response_body_mode holds until the
	// response_headers reply overrides it again.
	r, err := w.roundTrip(stream, w.hdrs.msg, phaseRequestHeaders)
	if err != nil {
		return endedImmediate, err
	}
	sendBody := !replaces(r.GetRequestHeaders().GetResponse())
	responseMode := extprocfilterv3.ProcessingMode_NONE // envoy.yaml's response_body_mode
	if mo := r.GetModeOverride(); mo != nil {
		sendBody = sendBody && mo.RequestBodyMode != extprocfilterv3.ProcessingMode_NONE
		responseMode = mo.ResponseBodyMode
	}
	if sendBody {
		if _, err := w.roundTrip(stream, w.msgs.reqBody, phaseRequestBody); err != nil {
			return endedImmediate, err
		}
	}

	r, err = w.roundTrip(stream, w.msgs.respHeaders, phaseResponseHeaders)
	if err != nil {
		return endedImmediate, err
	}
	if replaces(r.GetResponseHeaders().GetResponse()) {
		return endedFull, nil
	}
	if mo := r.GetModeOverride(); mo != nil {
		responseMode = mo.ResponseBodyMode
	}
	switch mode := responseMode; mode {
	case extprocfilterv3.ProcessingMode_NONE:
	case extprocfilterv3.ProcessingMode_STREAMED:
		for _, c := range w.msgs.chunks {
			r, err := w.roundTrip(stream, c, phaseResponseChunk)
			if err != nil {
				return endedImmediate, err
			}
			if replaces(r.GetResponseBody().GetResponse()) {
				break // no further messages in this direction
			}
		}
	case extprocfilterv3.ProcessingMode_BUFFERED, extprocfilterv3.ProcessingMode_BUFFERED_PARTIAL:
		if _, err := w.roundTrip(stream, w.msgs.whole, phaseResponseChunk); err != nil {
			return endedImmediate, err
		}
	default:
		return 0, fmt.Errorf("response_body_mode %s in mode_override is not what Envoy's config allows", mode)
	}
	return endedFull, nil
}

// roundTrip sends msg and awaits its reply, which must be of the matching type or an
// immediate_response (errImmediate). The reply is valid until the next receive.
func (w *worker) roundTrip(stream grpc.BidiStreamingClient[extprocv3.ProcessingRequest, extprocv3.ProcessingResponse], msg *extprocv3.ProcessingRequest, phase int) (*extprocv3.ProcessingResponse, error) {
	t := time.Now()
	if err := stream.Send(msg); err != nil {
		return nil, fmt.Errorf("send %s: %w", phaseNames[phase], err)
	}
	if err := stream.RecvMsg(&w.resp); err != nil {
		return nil, fmt.Errorf("awaiting the reply to %s: %w", phaseNames[phase], err)
	}
	w.hist[phase].record(time.Since(t))
	w.readUsage(w.resp.GetDynamicMetadata())
	if _, ok := w.resp.Response.(*extprocv3.ProcessingResponse_ImmediateResponse); ok {
		return nil, errImmediate
	}
	if !matches(msg, &w.resp) {
		return nil, fmt.Errorf("%s in reply to %s", replyName(&w.resp), phaseNames[phase])
	}
	return &w.resp, nil
}

// matches reports whether reply is of the type that answers req.
func matches(req *extprocv3.ProcessingRequest, reply *extprocv3.ProcessingResponse) bool {
	switch req.Request.(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return reply.GetRequestHeaders() != nil
	case *extprocv3.ProcessingRequest_RequestBody:
		return reply.GetRequestBody() != nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return reply.GetResponseHeaders() != nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		return reply.GetResponseBody() != nil
	}
	return false
}

func replaces(c *extprocv3.CommonResponse) bool {
	return c.GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE
}

// replyName names the reply's oneof case for error messages.
func replyName(r *extprocv3.ProcessingResponse) string {
	switch r.Response.(type) {
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
		return fmt.Sprintf("reply %T", r.Response)
	}
}

// MetadataNamespace is the dynamic-metadata namespace whose token counts are summed.
const MetadataNamespace = "tollgate"

// readUsage keeps the token counts in namespace tollgate of md, if any: the last report
// of a request is the one that counts.
func (w *worker) readUsage(md *structpb.Struct) {
	ns := md.GetFields()[MetadataNamespace].GetStructValue()
	if ns == nil {
		return
	}
	f := ns.GetFields()
	num := func(k string) int64 { return int64(f[k].GetNumberValue()) }
	w.usage = Tokens{Input: num("input_tokens"), Output: num("output_tokens"),
		CacheRead: num("cache_read_tokens"), CacheWrite: num("cache_write_tokens")}
	w.reported = true
}
