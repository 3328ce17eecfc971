package envoysim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	ext_procfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// errorPrefix is the prefix of ext_proc's response_code_details
// (source/extensions/filters/http/ext_proc/ext_proc.cc, ErrorPrefix).
const errorPrefix = "ext_proc_error"

// localReply is a response the filter or the stand-in answers itself.
type localReply struct {
	code    int
	headers headerMap
	body    []byte
	details string
	flags   []string
}

// processor is one request's ext_proc stream: one gRPC stream for the whole HTTP
// exchange (external_processor.proto), one reply awaited per message with the
// filter's message_timeout. Not safe for concurrent use.
type processor struct {
	cfg     *config
	conn    *grpc.ClientConn
	ctx     context.Context
	cancel  context.CancelFunc
	stream  extprocv3.ExternalProcessor_ProcessClient
	replies chan reply
	// mode is the current processing mode (mode_override replaces it).
	mode *ext_procfilterv3.ProcessingMode
	// complete is set once Envoy stops talking to the server for this request: the
	// server closed the stream cleanly, an error was tolerated (failure_mode_allow),
	// or an immediate response was sent (ext_proc.cc processing_complete_).
	complete bool
	metadata map[string]*structpb.Struct
}

type reply struct {
	resp *extprocv3.ProcessingResponse
	err  error
}

func newProcessor(ctx context.Context, cfg *config, conn *grpc.ClientConn, md map[string]*structpb.Struct) *processor {
	ctx, cancel := context.WithCancel(ctx)
	return &processor{cfg: cfg, conn: conn, ctx: ctx, cancel: cancel,
		mode: proto.Clone(cfg.filter.GetProcessingMode()).(*ext_procfilterv3.ProcessingMode), metadata: md}
}

// expect names the reply type a message must get (besides immediate_response).
type expect int

const (
	expectRequestHeaders expect = iota
	expectRequestBody
	expectResponseHeaders
	expectResponseBody
)

func (e expect) matches(r *extprocv3.ProcessingResponse) bool {
	switch r.GetResponse().(type) {
	case *extprocv3.ProcessingResponse_RequestHeaders:
		return e == expectRequestHeaders
	case *extprocv3.ProcessingResponse_RequestBody:
		return e == expectRequestBody
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		return e == expectResponseHeaders
	case *extprocv3.ProcessingResponse_ResponseBody:
		return e == expectResponseBody
	}
	return false
}

// call sends one message and waits for its reply. It returns (nil, nil) when the
// filter carries on without the server, and a local reply when the request must fail:
//   - a gRPC error opening, sending or receiving: 500 (ext_proc.cc onGrpcError; the
//     status_on_error default), unless failure_mode_allow;
//   - no reply within message_timeout: 504 (ext_proc.cc onMessageTimeout, 504 since 1.31),
//     unless failure_mode_allow;
//   - the server closing the stream cleanly: carry on without it (onGrpcClose);
//   - a reply of the wrong type: "spurious message"; without failure_mode_allow the
//     request fails with 500 (external_processor.proto, ProcessingResponse docs).
//
// Dynamic metadata of the reply is kept for the namespaces listed in
// metadata_options.receiving_namespaces.untyped (others are dropped; ext_proc.proto).
func (p *processor) call(req *extprocv3.ProcessingRequest, want expect) (*extprocv3.ProcessingResponse, *localReply) {
	if p.complete {
		return nil, nil
	}
	if p.stream == nil {
		s, err := extprocv3.NewExternalProcessorClient(p.conn).Process(p.ctx)
		if err != nil {
			return nil, p.grpcError(err)
		}
		p.stream, p.replies = s, make(chan reply, 1)
		go p.receive()
	}
	if err := p.stream.Send(req); err != nil {
		// The real error comes from Recv.
		r := <-p.replies
		if r.err == nil {
			r.err = err
		}
		return nil, p.grpcError(r.err)
	}
	timer := time.NewTimer(p.cfg.msgTimeout)
	defer timer.Stop()
	for {
		select {
		case r := <-p.replies:
			if r.err != nil {
				return nil, p.grpcError(r.err)
			}
			if d := r.resp.GetOverrideMessageTimeout(); d != nil && !want.matches(r.resp) {
				// override_message_timeout alone: restart the timer once per state, if
				// max_message_timeout allows it (processor_state.cc restartMessageTimer).
				if p.cfg.maxTimeout >= time.Millisecond && d.AsDuration() >= time.Millisecond && d.AsDuration() <= p.cfg.maxTimeout {
					timer.Reset(d.AsDuration())
				}
				continue
			}
			p.keepMetadata(r.resp.GetDynamicMetadata())
			if _, ok := r.resp.GetResponse().(*extprocv3.ProcessingResponse_ImmediateResponse); ok {
				p.complete = true
				return r.resp, nil
			}
			if !want.matches(r.resp) {
				return nil, p.failure(http.StatusInternalServerError, errorPrefix+"_spurious_message")
			}
			return r.resp, nil
		case <-timer.C:
			return nil, p.failure(http.StatusGatewayTimeout, errorPrefix+"_per-message_timeout_exceeded")
		}
	}
}

func (p *processor) receive() {
	for {
		resp, err := p.stream.Recv()
		select {
		case p.replies <- reply{resp, err}:
		case <-p.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (p *processor) grpcError(err error) *localReply {
	if errors.Is(err, io.EOF) {
		p.complete = true // the server closed the stream: Envoy continues without it
		return nil
	}
	st := status.Convert(err)
	return p.failure(http.StatusInternalServerError, fmt.Sprintf("%s_gRPC_error_%d{%s}", errorPrefix, st.Code(), st.Message()))
}

// failure ends processing; the request fails closed unless failure_mode_allow.
func (p *processor) failure(code int, details string) *localReply {
	p.complete = true
	p.cancel()
	if p.cfg.filter.GetFailureModeAllow() {
		return nil
	}
	return &localReply{code: code, details: details}
}

func (p *processor) keepMetadata(md *structpb.Struct) {
	for ns, v := range md.GetFields() {
		if !p.cfg.namespaces[ns] || v.GetStructValue() == nil {
			continue
		}
		cur, ok := p.metadata[ns]
		if !ok {
			cur = &structpb.Struct{Fields: map[string]*structpb.Value{}}
			p.metadata[ns] = cur
		}
		for k, fv := range v.GetStructValue().GetFields() {
			cur.Fields[k] = fv
		}
	}
}

// overrideMode applies a reply's mode_override: only in a reply to a headers message,
// only with allow_mode_override, and (if set) only to a mode listed in
// allowed_override_modes; request_header_mode is ignored (ext_proc.cc onReceiveMessage;
// ext_proc.proto allow_mode_override / allowed_override_modes).
func (p *processor) overrideMode(resp *extprocv3.ProcessingResponse) *localReply {
	o := resp.GetModeOverride()
	if o == nil || !p.cfg.filter.GetAllowModeOverride() {
		return nil
	}
	if allowed := p.cfg.filter.GetAllowedOverrideModes(); len(allowed) > 0 {
		ok := false
		for _, a := range allowed {
			ok = ok || (a.GetRequestBodyMode() == o.GetRequestBodyMode() && a.GetResponseBodyMode() == o.GetResponseBodyMode() &&
				a.GetResponseHeaderMode() == o.GetResponseHeaderMode() && a.GetRequestTrailerMode() == o.GetRequestTrailerMode() &&
				a.GetResponseTrailerMode() == o.GetResponseTrailerMode())
		}
		if !ok {
			return nil
		}
	}
	if err := supportedMode(o); err != nil {
		return &localReply{code: http.StatusInternalServerError, details: "envoysim_unsupported_mode_override"}
	}
	next := proto.Clone(o).(*ext_procfilterv3.ProcessingMode)
	next.RequestHeaderMode = p.mode.GetRequestHeaderMode()
	p.mode = next
	return nil
}

// close half-closes the stream and waits (bounded) for the server to end it, as Envoy
// does when the HTTP stream is done (ext_proc.cc closeStream).
func (p *processor) close() {
	if p.stream != nil && !p.complete {
		_ = p.stream.CloseSend()
		t := time.NewTimer(time.Second)
	drain:
		for {
			select {
			case r := <-p.replies:
				if r.err != nil {
					break drain
				}
			case <-t.C:
				break drain
			}
		}
		t.Stop()
	}
	p.cancel()
}
