package bench

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
)

// fakeServer is an ext_proc server for tests: it answers with reply (the floor's answer
// when reply is nil or returns nil, nil; an error ends the stream with it) and counts what
// it was sent.
type fakeServer struct {
	extprocv3.UnimplementedExternalProcessorServer
	reply func(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error)
	// answerObserved: answer messages in observability_mode too (Envoy ignores such
	// replies; the floor sends none).
	answerObserved bool

	streams, reqHeaders, reqBody, respHeaders, respBody atomic.Int64
	reqBodyBytes, respBodyBytes, endOfStreams           atomic.Int64

	mu  sync.Mutex
	ids map[string]int // x-request-id → times seen
}

func (f *fakeServer) Register(g *grpc.Server) { extprocv3.RegisterExternalProcessorServer(g, f) }

func (f *fakeServer) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	f.streams.Add(1)
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		f.count(req)
		var reply *extprocv3.ProcessingResponse
		if f.reply != nil {
			if reply, err = f.reply(req); err != nil {
				return err
			}
		}
		if reply == nil {
			if reply, err = floorReply(req); err != nil {
				return err
			}
		}
		if req.ObservabilityMode && !f.answerObserved {
			continue
		}
		if err := stream.Send(reply); err != nil {
			return err
		}
	}
}

func (f *fakeServer) count(req *extprocv3.ProcessingRequest) {
	switch r := req.Request.(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		f.reqHeaders.Add(1)
		for _, h := range r.RequestHeaders.GetHeaders().GetHeaders() {
			if h.Key == "x-request-id" {
				f.mu.Lock()
				if f.ids == nil {
					f.ids = map[string]int{}
				}
				f.ids[string(h.RawValue)]++
				f.mu.Unlock()
			}
		}
	case *extprocv3.ProcessingRequest_RequestBody:
		f.reqBody.Add(1)
		f.reqBodyBytes.Add(int64(len(r.RequestBody.Body)))
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		f.respHeaders.Add(1)
	case *extprocv3.ProcessingRequest_ResponseBody:
		f.respBody.Add(1)
		f.respBodyBytes.Add(int64(len(r.ResponseBody.Body)))
		if r.ResponseBody.EndOfStream {
			f.endOfStreams.Add(1)
		}
	}
}

func (f *fakeServer) distinctIDs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ids)
}
