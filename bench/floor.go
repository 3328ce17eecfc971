package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
)

// FloorServer is the no-op ext_proc server: it answers every message with CONTINUE of the
// matching type (a message in observability_mode with nothing) and, on event-stream
// response headers, switches the response body to STREAMED. It is the cost of the
// protocol alone, the floor any real server stands on.
type FloorServer struct {
	extprocv3.UnimplementedExternalProcessorServer
}

// NewFloorServer returns the floor server.
func NewFloorServer() *FloorServer { return &FloorServer{} }

// Register adds the service to g.
func (f *FloorServer) Register(g *grpc.Server) { extprocv3.RegisterExternalProcessorServer(g, f) }

// The floor's replies never change, so they are built once and shared by every stream.
var (
	continueRequestHeaders = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
		RequestHeaders: &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{}}}}
	continueRequestBody = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{
		RequestBody: &extprocv3.BodyResponse{Response: &extprocv3.CommonResponse{}}}}
	continueResponseHeaders = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{
		ResponseHeaders: &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{}}}}
	streamResponseHeaders = &extprocv3.ProcessingResponse{
		Response: &extprocv3.ProcessingResponse_ResponseHeaders{
			ResponseHeaders: &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{}}},
		ModeOverride: &extprocfilterv3.ProcessingMode{ResponseBodyMode: extprocfilterv3.ProcessingMode_STREAMED},
	}
	continueResponseBody = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
		ResponseBody: &extprocv3.BodyResponse{Response: &extprocv3.CommonResponse{}}}}
	continueRequestTrailers = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestTrailers{
		RequestTrailers: &extprocv3.TrailersResponse{}}}
	continueResponseTrailers = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseTrailers{
		ResponseTrailers: &extprocv3.TrailersResponse{}}}
)

// Process answers each message until Envoy (the client) closes its side.
func (f *FloorServer) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		reply, err := floorReply(req)
		if err != nil {
			return err
		}
		if req.ObservabilityMode {
			continue // Envoy ignores replies in observability_mode: none is sent
		}
		if err := stream.Send(reply); err != nil {
			return err
		}
	}
}

func floorReply(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
	switch r := req.Request.(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return continueRequestHeaders, nil
	case *extprocv3.ProcessingRequest_RequestBody:
		return continueRequestBody, nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		if isEventStream(r.ResponseHeaders) {
			return streamResponseHeaders, nil
		}
		return continueResponseHeaders, nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		return continueResponseBody, nil
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return continueRequestTrailers, nil
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		return continueResponseTrailers, nil
	default:
		return nil, fmt.Errorf("floor: unknown ProcessingRequest %T", r)
	}
}

var eventStream = []byte("text/event-stream")

// isEventStream reports whether the headers' content-type is text/event-stream.
func isEventStream(h *extprocv3.HttpHeaders) bool {
	for _, hv := range h.GetHeaders().GetHeaders() {
		if hv.Key != "content-type" {
			continue
		}
		v := hv.RawValue
		if len(v) == 0 {
			v = []byte(hv.Value)
		}
		return len(v) >= len(eventStream) && bytes.EqualFold(v[:len(eventStream)], eventStream)
	}
	return false
}
