package bench

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	extprocfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

var immediate401 = &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{
	ImmediateResponse: &extprocv3.ImmediateResponse{Status: &typev3.HttpStatus{Code: typev3.StatusCode_Unauthorized}, Body: []byte(`{"error":{}}`)}}}

func headersReply(reqSide bool, status extprocv3.CommonResponse_ResponseStatus, mo *extprocfilterv3.ProcessingMode) *extprocv3.ProcessingResponse {
	hr := &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{Status: status}}
	if reqSide {
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: hr}, ModeOverride: mo}
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: hr}, ModeOverride: mo}
}

// on answers messages of type T with reply and leaves the rest to the floor.
func on[T any](reply *extprocv3.ProcessingResponse, err error) func(*extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
	return func(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
		if _, ok := req.Request.(T); ok {
			return reply, err
		}
		return nil, nil
	}
}

func TestExchangeFollowsServerReplies(t *testing.T) {
	const c, n = 2, 10
	sc, err := NewScenario("chat-2k")
	if err != nil {
		t.Fatal(err)
	}
	chunks := int64(len(sc.Chunks) + 1)
	type counts struct{ full, immediate, errors, reqBody, respHeaders, respBody, respBodyBytes int64 }
	streamed := counts{full: n, reqBody: n, respHeaders: n, respBody: n * chunks, respBodyBytes: n * int64(len(joined(sc.Chunks)))}
	tests := []struct {
		name    string
		reply   func(*extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error)
		want    counts
		wantErr string // in every error sample
	}{
		{name: "floor", want: streamed},
		{name: "immediate_response to request_headers ends the request",
			reply: on[*extprocv3.ProcessingRequest_RequestHeaders](immediate401, nil),
			want:  counts{immediate: n}},
		{name: "immediate_response to response_headers ends the request",
			reply: on[*extprocv3.ProcessingRequest_ResponseHeaders](immediate401, nil),
			want:  counts{immediate: n, reqBody: n, respHeaders: n}},
		{name: "wrong reply type is an error",
			reply:   on[*extprocv3.ProcessingRequest_RequestBody](continueResponseBody, nil),
			want:    counts{errors: n, reqBody: n},
			wantErr: "response_body reply in reply to request_body"},
		{name: "reply without a response is an error",
			reply:   on[*extprocv3.ProcessingRequest_RequestHeaders](&extprocv3.ProcessingResponse{}, nil),
			want:    counts{errors: n},
			wantErr: "reply without a response in reply to request_headers"},
		{name: "gRPC error is an error",
			reply:   on[*extprocv3.ProcessingRequest_ResponseHeaders](nil, status.Error(codes.Internal, "boom")),
			want:    counts{errors: n, reqBody: n, respHeaders: n},
			wantErr: "boom"},
		{name: "no mode_override on response_headers: no response body",
			reply: on[*extprocv3.ProcessingRequest_ResponseHeaders](continueResponseHeaders, nil),
			want:  counts{full: n, reqBody: n, respHeaders: n}},
		{name: "BUFFERED response body is one message",
			reply: on[*extprocv3.ProcessingRequest_ResponseHeaders](headersReply(false, extprocv3.CommonResponse_CONTINUE,
				&extprocfilterv3.ProcessingMode{ResponseBodyMode: extprocfilterv3.ProcessingMode_BUFFERED}), nil),
			want: counts{full: n, reqBody: n, respHeaders: n, respBody: n, respBodyBytes: streamed.respBodyBytes}},
		{name: "FULL_DUPLEX_STREAMED override is an error",
			reply: on[*extprocv3.ProcessingRequest_ResponseHeaders](headersReply(false, extprocv3.CommonResponse_CONTINUE,
				&extprocfilterv3.ProcessingMode{ResponseBodyMode: extprocfilterv3.ProcessingMode_FULL_DUPLEX_STREAMED}), nil),
			want:    counts{errors: n, reqBody: n, respHeaders: n},
			wantErr: "FULL_DUPLEX_STREAMED"},
		{name: "CONTINUE_AND_REPLACE on request_headers skips the request body",
			reply: on[*extprocv3.ProcessingRequest_RequestHeaders](headersReply(true, extprocv3.CommonResponse_CONTINUE_AND_REPLACE, nil), nil),
			want:  counts{full: n, respHeaders: n, respBody: n * chunks, respBodyBytes: streamed.respBodyBytes}},
		{name: "mode_override with request_body_mode NONE skips the request body",
			reply: on[*extprocv3.ProcessingRequest_RequestHeaders](headersReply(true, extprocv3.CommonResponse_CONTINUE,
				&extprocfilterv3.ProcessingMode{ResponseBodyMode: extprocfilterv3.ProcessingMode_STREAMED}), nil),
			want: counts{full: n, respHeaders: n, respBody: n * chunks, respBodyBytes: streamed.respBodyBytes}},
		{name: "CONTINUE_AND_REPLACE on a response chunk stops the chunks",
			reply: on[*extprocv3.ProcessingRequest_ResponseBody](&extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
				ResponseBody: &extprocv3.BodyResponse{Response: &extprocv3.CommonResponse{Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE}}}}, nil),
			want: counts{full: n, reqBody: n, respHeaders: n, respBody: n, respBodyBytes: n * int64(len(sc.Chunks[0]))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeServer{reply: tt.reply}
			rep, _ := runOne(t, "chat-2k", c, n, fake, true)
			r := rep.Results[0]
			got := counts{r.Full, r.Immediate, r.Errors, fake.reqBody.Load(), fake.respHeaders.Load(), fake.respBody.Load(), fake.respBodyBytes.Load()}
			if got != tt.want {
				t.Errorf("got %+v, want %+v (errors: %q)", got, tt.want, r.ErrorSamples)
			}
			if fake.reqHeaders.Load() != n {
				t.Errorf("request_headers sent %d, want %d", fake.reqHeaders.Load(), n)
			}
			if r.Completed != r.Full+r.Immediate {
				t.Errorf("completed %d != full %d + immediate %d", r.Completed, r.Full, r.Immediate)
			}
			if whole := r.Phases[phaseWhole].Count; whole != uint64(r.Full) {
				t.Errorf("whole_request samples %d, want one per full request (%d)", whole, r.Full)
			}
			if (tt.wantErr == "") != (len(r.ErrorSamples) == 0) {
				t.Errorf("error samples %q, want %q", r.ErrorSamples, tt.wantErr)
			}
			for _, s := range r.ErrorSamples {
				if !strings.Contains(s, tt.wantErr) {
					t.Errorf("error %q does not contain %q", s, tt.wantErr)
				}
			}
		})
	}
}

// usageReply answers the end-of-stream chunk with usage in namespace ns, on the requests
// for which report returns true.
func usageReply(t *testing.T, ns string, u Tokens, report func() bool) func(*extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
	md, err := structpb.NewStruct(map[string]any{ns: map[string]any{
		"model": "gpt-5.1", "input_tokens": u.Input, "output_tokens": u.Output,
		"cache_read_tokens": u.CacheRead, "cache_write_tokens": u.CacheWrite, "cost_usd": 0.0123}})
	if err != nil {
		t.Fatal(err)
	}
	withUsage := &extprocv3.ProcessingResponse{Response: continueResponseBody.Response, DynamicMetadata: md}
	return func(req *extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error) {
		if req.GetResponseBody().GetEndOfStream() && report() {
			return withUsage, nil
		}
		return nil, nil
	}
}

func TestUsageSums(t *testing.T) {
	const c, n = 2, 10
	sc, err := NewScenario("claude-200k")
	if err != nil {
		t.Fatal(err)
	}
	always := func() bool { return true }
	var calls atomic.Int64
	everyOther := func() bool { return calls.Add(1)%2 == 0 }
	off := sc.Usage
	off.Output++
	tests := []struct {
		name         string
		reply        func(*extprocv3.ProcessingRequest) (*extprocv3.ProcessingResponse, error)
		wantSeen     Tokens
		wantReported int64
		wantStatus   string
	}{
		{"exact", usageReply(t, MetadataNamespace, sc.Usage, always), sc.Usage.times(n), n, "exact"},
		{"one token off per request", usageReply(t, MetadataNamespace, off, always), off.times(n), n, "MISMATCH"},
		{"half the requests report", usageReply(t, MetadataNamespace, sc.Usage, everyOther), sc.Usage.times(n / 2), n / 2, "MISMATCH"},
		{"other namespace is ignored", usageReply(t, "other", sc.Usage, always), Tokens{}, 0, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, table := runOne(t, "claude-200k", c, n, &fakeServer{reply: tt.reply}, true)
			u := rep.Results[0].Usage
			if u.Expected != sc.Usage.times(n) || u.Seen != tt.wantSeen || u.Reported != tt.wantReported || u.Status() != tt.wantStatus {
				t.Errorf("usage %+v (%s), want seen %+v reported %d status %s", u, u.Status(), tt.wantSeen, tt.wantReported, tt.wantStatus)
			}
			if !strings.Contains(table, tt.wantStatus) {
				t.Errorf("table does not show %s:\n%s", tt.wantStatus, table)
			}
		})
	}
}

// With Observe, the response goes as an observability_mode filter sends it: every chunk,
// no reply awaited; the request phase still awaits its replies.
func TestExchangeObserve(t *testing.T) {
	const c, n = 2, 6
	sc, err := NewScenario("chat-2k")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                   string
		answerObserved, second bool
	}{
		{"server sends no replies", false, false},
		{"server answers anyway", true, false},
		{"second stream", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeServer{answerObserved: tc.answerObserved}
			var out strings.Builder
			rep, err := Run(t.Context(), Options{Scenarios: []string{"chat-2k"}, Concurrency: c, Requests: n,
				Duration: time.Minute, NoFloor: true, Observe: !tc.second, ObserveStream: tc.second}, fake.Register, &out)
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Results[0]
			if streams := map[bool]int64{false: n, true: 2 * n}[tc.second]; fake.streams.Load() != streams {
				t.Errorf("%d streams, want %d", fake.streams.Load(), streams)
			}
			if r.Full != n || r.Errors != 0 || fake.respBody.Load() != n*int64(len(sc.Chunks)+1) || fake.reqBody.Load() != n ||
				r.Phases[phaseResponseChunk].Count != uint64(n*(len(sc.Chunks)+1)) {
				t.Errorf("full %d errors %d %q, server saw %d chunks", r.Full, r.Errors, r.ErrorSamples, fake.respBody.Load())
			}
		})
	}
}
