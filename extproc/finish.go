package extproc

import (
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate/tollgate/llm/eventstream"
	"github.com/tollgate/tollgate/llm/usage"
)

// MetadataNamespace is the dynamic-metadata namespace Envoy's access log reads.
const MetadataNamespace = "tollgate"

// outcome is what one request amounted to.
type outcome struct {
	usage       usage.Usage
	metered     bool // the response carried usage tollgate read (or was a free token count)
	cost        float64
	priced      bool
	interrupted bool
	meterErr    error
	// reported is the provider's own second count of the usage, if its stream has one.
	reported    usage.Usage
	hasReported bool
	skipped     int // events over max_event_size, skipped by the meter (metering went on)
	duration    time.Duration
	ttft        time.Duration
	attr        attribution // Claude Code's session and agent ids (attribution.go)
}

// errMalformedUsage: the provider reported a negative or absurd count (clamped).
var errMalformedUsage = errors.New("usage: a count out of range (clamped)")

// finish records the request once: metrics, the usage log line, and the dynamic
// metadata returned to Envoy (nil when already finished). interrupted means the stream
// ended before the response did; what was seen is recorded all the same.
func (st *stream) finish(interrupted bool) *structpb.Struct {
	if st.done {
		return nil
	}
	st.done = true
	o := outcome{interrupted: interrupted, duration: st.srv.now().Sub(st.start), attr: readAttribution(st.hdr.all)}
	if m := st.resp.meter; m != nil {
		res := m.Finish()
		o.usage, o.meterErr, o.skipped, o.metered = res.Usage, res.Err, res.Skipped, res.Seen
		o.reported, o.hasReported = res.Reported, res.HasReported
		if st.streamed && !res.FirstContentAt.IsZero() {
			o.ttft = res.FirstContentAt.Sub(st.start)
		}
	}
	if interrupted && errors.Is(o.meterErr, eventstream.ErrTruncated) {
		o.meterErr = nil // a cut stream ends mid-frame; it is counted as interrupted, as SSE is
	}
	var malformed bool
	if o.usage, malformed = o.usage.Clamped(); malformed && o.meterErr == nil {
		o.meterErr = errMalformedUsage // counted as a metering error, reason "malformed"
	}
	st.crossCheck(&o)
	st.price(&o)
	st.chargeBudgets(&o)
	st.record(&o)
	st.logRequest(&o)
	if !st.routed {
		return st.partialMetadata()
	}
	return st.metadata(&o)
}

// routeMetadata names the route in the reply that forwards the request: Envoy merges
// each reply's metadata into the request's (StreamInfoImpl::setDynamicMetadata is a
// MergeFrom), so a stream cut before its end — the client went away, or a shutdown cut
// it — still has team, model and provider in its access log line; only the usage and
// the cost, sent at the end, are missing there (they are in the metrics).
func (st *stream) routeMetadata() *structpb.Struct {
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		MetadataNamespace: structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"model":          structpb.NewStringValue(st.route.Model),
			"provider":       structpb.NewStringValue(st.route.Provider),
			"upstream_model": structpb.NewStringValue(st.route.UpstreamModel),
			"team":           structpb.NewStringValue(st.identity.Team),
		}}),
	}}
}

// partialMetadata is what is known of a request that was answered before it was routed
// (a 401, a 404 for an unknown model, a 413, a 503 from admission control, a local
// listing): the team once the key was accepted, the model once it was read and checked.
// Envoy applies the dynamic_metadata of an immediate_response before it sends the
// local reply (ext_proc.cc onReceiveMessage, case kImmediateResponse:
// setDecoderDynamicMetadata, then sendImmediateResponse), so the access log line of a
// rejected request carries them. nil when nothing is known (a 401).
func (st *stream) partialMetadata() *structpb.Struct {
	fields := map[string]*structpb.Value{}
	if st.authenticated {
		fields["team"] = structpb.NewStringValue(st.identity.Team)
	}
	if st.requested != "" { // at most api.MaxModelLength bytes of valid UTF-8 (request_body.go)
		fields["model"] = structpb.NewStringValue(st.requested)
	}
	if len(fields) == 0 {
		return nil
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		MetadataNamespace: structpb.NewStructValue(&structpb.Struct{Fields: fields}),
	}}
}

// metadata is the dynamic metadata for Envoy's access log, in namespace "tollgate".
func (st *stream) metadata(o *outcome) *structpb.Struct {
	u := o.usage
	fields := map[string]*structpb.Value{
		"model":              structpb.NewStringValue(st.route.Model),
		"provider":           structpb.NewStringValue(st.route.Provider),
		"upstream_model":     structpb.NewStringValue(st.route.UpstreamModel),
		"team":               structpb.NewStringValue(st.identity.Team),
		"input_tokens":       structpb.NewNumberValue(float64(u.Input)),
		"output_tokens":      structpb.NewNumberValue(float64(u.Output)),
		"cache_read_tokens":  structpb.NewNumberValue(float64(u.CacheRead)),
		"cache_write_tokens": structpb.NewNumberValue(float64(u.CacheWrite)),
	}
	if o.priced {
		fields["cost_usd"] = structpb.NewNumberValue(o.cost)
	}
	o.attr.addMetadata(fields)
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		MetadataNamespace: structpb.NewStructValue(&structpb.Struct{Fields: fields}),
	}}
}
