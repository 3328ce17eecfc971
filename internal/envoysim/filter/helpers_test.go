package filter_test

import (
	"context"
	"net"
	"testing"
	"time"

	mutationrulesv3 "github.com/envoyproxy/go-control-plane/envoy/config/common/mutation_rules/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// step is one thing the scripted server does in answer to a message: wait, then send
// a reply, or end the stream (end: with err, nil for a clean end).
type step struct {
	wait  time.Duration
	reply *extprocv3.ProcessingResponse
	end   bool
	err   error
}

// scripted is an ext_proc server that answers each message with the steps its script
// gives, and then (on the client's half-close) ends the stream cleanly.
type scripted struct {
	extprocv3.UnimplementedExternalProcessorServer
	script func(*extprocv3.ProcessingRequest) []step
}

func (s *scripted) Process(srv extprocv3.ExternalProcessor_ProcessServer) error {
	for {
		req, err := srv.Recv()
		if err != nil {
			return nil
		}
		for _, st := range s.script(req) {
			select {
			case <-time.After(st.wait):
			case <-srv.Context().Done():
				return nil
			}
			if st.end {
				return st.err
			}
			if err := srv.Send(st.reply); err != nil {
				return nil
			}
		}
	}
}

// serve starts a scripted server and returns a client to it.
func serve(t *testing.T, script func(*extprocv3.ProcessingRequest) []step) extprocv3.ExternalProcessorClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	extprocv3.RegisterExternalProcessorServer(g, &scripted{script: script})
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return extprocv3.NewExternalProcessorClient(conn)
}

// begin is a stream with cfg on a new request.
func begin(t *testing.T, cfg *filter.Config, c extprocv3.ExternalProcessorClient) *filter.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	s := filter.NewStream(cfg, c)
	s.Begin(ctx)
	t.Cleanup(s.Cancel)
	return s
}

func reply(r *extprocv3.ProcessingResponse) []step { return []step{{reply: r}} }

// answer is the empty reply of the matching type.
func answer(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	return answerWith(req, nil)
}

func answerWith(req *extprocv3.ProcessingRequest, c *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{Response: c}}}
	case *extprocv3.ProcessingRequest_RequestBody:
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: &extprocv3.BodyResponse{Response: c}}}
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{Response: c}}}
	default:
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{Response: c}}}
	}
}

var (
	reqHeaders  = filter.RequestHeaders(filter.Of(":method", "POST", ":path", "/v1/messages", "content-length", "2").Proto(), false)
	reqBody     = filter.RequestBody([]byte("{}"), true)
	respHeaders = filter.ResponseHeaders(filter.Of(":status", "200").Proto(), false)
)

func mustChecker(t *testing.T, disallowIsError bool) *filter.Checker {
	t.Helper()
	c, err := filter.NewChecker(&mutationrulesv3.HeaderMutationRules{DisallowIsError: wrapperspb.Bool(disallowIsError)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
