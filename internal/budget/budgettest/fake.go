package budgettest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"
)

// Fake is an in-process rate-limit service. By default it counts like
// envoyproxy/ratelimit (reference/ratelimit.md): a counter per entry list, the
// per-descriptor hits_addend added, OVER_LIMIT when the count after adding exceeds the
// descriptor's limit override. An answer set with SetAnswer replaces that.
type Fake struct {
	rlsv3.UnimplementedRateLimitServiceServer
	mu     sync.Mutex
	reqs   []*rlsv3.RateLimitRequest
	counts map[string]uint64
	answer func(context.Context, *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)
}

// ShouldRateLimit implements the service.
func (f *Fake) ShouldRateLimit(ctx context.Context, req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	answer := f.answer
	f.mu.Unlock()
	if answer != nil {
		return answer(ctx, req)
	}
	return f.Count(req), nil
}

// Count answers req as envoyproxy/ratelimit would, counting its addends.
func (f *Fake) Count(req *rlsv3.RateLimitRequest) *rlsv3.RateLimitResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]uint64{}
	}
	resp := &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK}
	for _, d := range req.Descriptors {
		var k strings.Builder
		for _, e := range d.Entries {
			k.WriteString(e.Key + "=" + e.Value + ";")
		}
		f.counts[k.String()] += d.GetHitsAddend().GetValue()
		limit := d.GetLimit().GetRequestsPerUnit()
		st := &rlsv3.RateLimitResponse_DescriptorStatus{
			Code:         rlsv3.RateLimitResponse_OK,
			CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: limit, Unit: rlsv3.RateLimitResponse_RateLimit_Unit(d.GetLimit().GetUnit())},
		}
		if c := f.counts[k.String()]; c > uint64(limit) {
			st.Code, resp.OverallCode = rlsv3.RateLimitResponse_OVER_LIMIT, rlsv3.RateLimitResponse_OVER_LIMIT
		} else {
			st.LimitRemaining = limit - uint32(c)
		}
		resp.Statuses = append(resp.Statuses, st)
	}
	return resp
}

// SetAnswer replaces the counting answer (nil restores it), e.g. with an error or a
// wait for ctx.
func (f *Fake) SetAnswer(a func(context.Context, *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

// Requests returns the requests received so far.
func (f *Fake) Requests() []*rlsv3.RateLimitRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*rlsv3.RateLimitRequest(nil), f.reqs...)
}

// Serve serves f on a loopback port until the test ends and returns its address.
func (f *Fake) Serve(tb testing.TB) string {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := grpc.NewServer()
	rlsv3.RegisterRateLimitServiceServer(srv, f)
	go srv.Serve(lis)
	tb.Cleanup(srv.Stop)
	return lis.Addr().String()
}
