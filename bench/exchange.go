package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/internal/envoysim/filter"
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

// worker plays Envoy for one request at a time, through the ext_proc filter's side of the
// stream that the Envoy stand-in uses too (internal/envoysim/filter). Not safe for
// concurrent use.
type worker struct {
	id     int
	stream *filter.Stream
	msgs   *messages
	hdrs   *requestHeaders
	resp   extprocv3.ProcessingResponse // reused by every receive
	hist   [numPhases]histogram
	// pacing is the time between two response chunks (0: back to back); pace is its
	// timer, reused.
	pacing time.Duration
	pace   *time.Timer
	// observe sends the response as a filter in observability_mode does (Options.Observe);
	// second, when set, is the stream of that second filter (Options.ObserveStream).
	observe bool
	second  *filter.Stream

	// Of the current request: the last usage the server reported, if any, the status
	// of its immediate_response, and how the second filter's stream ended
	// (observeResponse).
	usage     Tokens
	reported  bool
	immediate int
	closeErr  error
}

func newWorker(id int, client extprocv3.ExternalProcessorClient, m *messages) *worker {
	return &worker{id: id, stream: filter.NewStream(filterConfig(), client), msgs: m, hdrs: m.workerHeaders(id)}
}

// filterConfig is the ext_proc filter of envoy/envoy.yaml (embedded), as the load tool
// plays it: its processing mode and mode_override rules, but no message timeout (a slow
// reply is a latency sample, not a failure; Options.Timeout bounds a run) and fail
// closed (an error fails the request). It panics if the embedded envoy.yaml does not
// load, which the envoy package's tests rule out.
var filterConfig = sync.OnceValue(func() *filter.Config {
	b, err := envoy.Shipped()
	if err != nil {
		panic(err)
	}
	ep, err := envoy.ExtProcFilter(b)
	if err != nil {
		panic(err)
	}
	cfg, err := filter.FromProto(ep)
	if err != nil {
		panic(err)
	}
	cfg.MessageTimeout, cfg.FailureModeAllow = 0, false
	return cfg
})

// errImmediate ends a request early: the server sent an immediate_response.
var errImmediate = errors.New("immediate response")

// do runs request seq on its own stream and records the latency of each phase.
func (w *worker) do(ctx context.Context, seq int64) (ending, error) {
	w.usage, w.reported = Tokens{}, false
	w.hdrs.setID(w.id, seq)

	start := time.Now()
	w.stream.Begin(ctx)
	defer w.stream.Cancel() // ends the stream on any early return
	w.closeErr = nil
	end, err := w.exchange(ctx)
	if err != nil && !errors.Is(err, errImmediate) {
		return 0, err
	}
	if err := w.stream.Close(0); err != nil {
		return 0, err
	}
	if w.closeErr != nil {
		return 0, w.closeErr
	}
	if end == endedFull {
		w.hist[phaseWhole].record(time.Since(start))
	}
	return end, nil
}

// exchange sends the messages of one request in Envoy's order, each awaiting its reply;
// the stream keeps the processing mode in force (envoy.yaml's, as replaced by
// mode_override and ended by CONTINUE_AND_REPLACE), which decides what is sent next.
// errImmediate (with endedImmediate) means the server ended the request early; any other
// error fails the request.
func (w *worker) exchange(ctx context.Context) (ending, error) {
	if w.stream.Mode().RequestHeader != extprocfilterv3.ProcessingMode_SKIP {
		r, err := w.roundTrip(w.hdrs.msg, phaseRequestHeaders)
		if err != nil {
			return endedImmediate, err
		}
		if _, _, f := w.stream.HeadersReply(r, nil, nil); f != nil {
			return 0, f
		}
	}
	if w.stream.Mode().RequestBody != extprocfilterv3.ProcessingMode_NONE {
		if _, err := w.roundTrip(w.msgs.reqBody, phaseRequestBody); err != nil {
			return endedImmediate, err
		}
	}
	if w.observe {
		return w.observeResponse(ctx)
	}
	if w.stream.Mode().ResponseHeader != extprocfilterv3.ProcessingMode_SKIP {
		r, err := w.roundTrip(w.msgs.respHeaders, phaseResponseHeaders)
		if err != nil {
			return endedImmediate, err
		}
		if _, _, f := w.stream.HeadersReply(r, nil, nil); f != nil {
			return 0, f
		}
	}
	switch mode := w.stream.Mode().ResponseBody; mode {
	case extprocfilterv3.ProcessingMode_NONE:
	case extprocfilterv3.ProcessingMode_STREAMED:
		for i, c := range w.msgs.chunks {
			if i > 0 && w.pacing > 0 {
				if err := w.wait(ctx); err != nil {
					return 0, err
				}
			}
			r, err := w.roundTrip(c, phaseResponseChunk)
			if err != nil {
				return endedImmediate, err
			}
			// Envoy itself ignores the status of a body reply; the load tool has always
			// taken CONTINUE_AND_REPLACE here as the end of the response.
			if filter.Common(r).GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
				break
			}
		}
	case extprocfilterv3.ProcessingMode_BUFFERED, extprocfilterv3.ProcessingMode_BUFFERED_PARTIAL:
		if _, err := w.roundTrip(w.msgs.whole, phaseResponseChunk); err != nil {
			return endedImmediate, err
		}
	default:
		return 0, fmt.Errorf("response_body_mode %s in mode_override is not what Envoy's config allows", mode)
	}
	return endedFull, nil
}

// observeResponse sends the response headers and every chunk as a second ext_proc
// filter in observability_mode would (response_body_mode STREAMED, fixed: it cannot be
// overridden, its replies being ignored), without awaiting replies: the per-chunk round
// trip tollgate could skip for responses it does not translate (BENCHMARKS.md). The
// time of each send is the response_chunk latency; the usage cannot be read, since
// Envoy ignores the replies that would carry it. With a second stream (the second
// filter's), the first ends after the request body; tollgate does not serve that split
// (it would record the first stream as interrupted and refuse the second): it measures
// what the split costs the floor.
func (w *worker) observeResponse(ctx context.Context) (ending, error) {
	s := w.stream
	if w.second != nil {
		// The first filter's stream is over once the request went upstream (its
		// response phases are skipped); the second filter opens its own.
		if err := w.stream.Close(0); err != nil {
			return 0, err
		}
		s = w.second
		s.Begin(ctx)
		defer s.Cancel()
		defer func() {
			if err := s.Close(0); err != nil && w.closeErr == nil {
				w.closeErr = err
			}
		}()
	}
	t := time.Now()
	if f := s.Observe(w.msgs.observedHeaders); f != nil {
		return 0, f
	}
	w.hist[phaseResponseHeaders].record(time.Since(t))
	for i, c := range w.msgs.observedChunks {
		if i > 0 && w.pacing > 0 {
			if err := w.wait(ctx); err != nil {
				return 0, err
			}
		}
		t = time.Now()
		if f := s.Observe(c); f != nil {
			return 0, f
		}
		w.hist[phaseResponseChunk].record(time.Since(t))
	}
	return endedFull, nil
}

// wait waits out the pacing between two chunks, or until ctx is done.
func (w *worker) wait(ctx context.Context) error {
	if w.pace == nil {
		w.pace = time.NewTimer(w.pacing)
	} else {
		w.pace.Reset(w.pacing)
	}
	select {
	case <-w.pace.C:
		return nil
	case <-ctx.Done():
		w.pace.Stop()
		return fmt.Errorf("pacing the response: %w", ctx.Err())
	}
}

// roundTrip sends msg and awaits its reply, which must be of the matching type or an
// immediate_response (errImmediate). The reply is valid until the next receive.
func (w *worker) roundTrip(msg *extprocv3.ProcessingRequest, phase int) (*extprocv3.ProcessingResponse, error) {
	t := time.Now()
	r, f := w.stream.CallInto(msg, &w.resp)
	if f != nil {
		return nil, f
	}
	if r == nil {
		// Envoy would carry on without a server that ended the stream; a load run
		// counts it as a failed request.
		return nil, fmt.Errorf("awaiting the reply to %s: %w", phaseNames[phase], io.EOF)
	}
	w.hist[phase].record(time.Since(t))
	w.readUsage(r.GetDynamicMetadata())
	if ir := r.GetImmediateResponse(); ir != nil {
		w.immediate = int(ir.GetStatus().GetCode())
		return nil, errImmediate
	}
	return r, nil
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
