package budget

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"
)

// fakeRLS is an in-process rate-limit service. By default it counts like
// envoyproxy/ratelimit (reference/ratelimit.md): a counter per entry list, the
// per-descriptor addend added, OVER_LIMIT when the count after adding exceeds the
// override's limit. answer, when set, replaces that.
type fakeRLS struct {
	rlsv3.UnimplementedRateLimitServiceServer
	mu     sync.Mutex
	reqs   []*rlsv3.RateLimitRequest
	counts map[string]uint64
	answer func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)
}

func (f *fakeRLS) ShouldRateLimit(ctx context.Context, req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	answer := f.answer
	f.mu.Unlock()
	if answer != nil {
		return answer(req)
	}
	return f.count(req), nil
}

func (f *fakeRLS) count(req *rlsv3.RateLimitRequest) *rlsv3.RateLimitResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]uint64{}
	}
	resp := &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK}
	for _, d := range req.Descriptors {
		k := entriesKey(d.Entries)
		f.counts[k] += d.GetHitsAddend().GetValue()
		limit := d.GetLimit().GetRequestsPerUnit()
		st := &rlsv3.RateLimitResponse_DescriptorStatus{
			Code:         rlsv3.RateLimitResponse_OK,
			CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: limit},
		}
		if c := f.counts[k]; c > uint64(limit) {
			st.Code, resp.OverallCode = rlsv3.RateLimitResponse_OVER_LIMIT, rlsv3.RateLimitResponse_OVER_LIMIT
		} else {
			st.LimitRemaining = limit - uint32(c)
		}
		resp.Statuses = append(resp.Statuses, st)
	}
	return resp
}

func entriesKey[E interface {
	GetKey() string
	GetValue() string
}](es []E) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.GetKey() + "=" + e.GetValue() + ";")
	}
	return b.String()
}

func (f *fakeRLS) setAnswer(a func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fakeRLS) requests() []*rlsv3.RateLimitRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*rlsv3.RateLimitRequest(nil), f.reqs...)
}

// serveFake serves f on a loopback port and returns its address; the server stops at
// the end of the test.
func serveFake(t testing.TB, f *fakeRLS) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rlsv3.RegisterRateLimitServiceServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu        sync.Mutex
	errors    map[Reason]int
	rejected  []Status
	remaining map[string]float64 // budget/scope → remaining
}

func newRecorder() *recorder {
	return &recorder{errors: map[Reason]int{}, remaining: map[string]float64{}}
}

func (r *recorder) RatelimitError(reason Reason) {
	r.mu.Lock()
	r.errors[reason]++
	r.mu.Unlock()
}

func (r *recorder) BudgetRejected(s *Status) {
	r.mu.Lock()
	r.rejected = append(r.rejected, *s)
	r.mu.Unlock()
}

func (r *recorder) BudgetRemaining(s *Status) {
	r.mu.Lock()
	r.remaining[s.Budget+"/"+s.Scope] = s.Remaining
	r.mu.Unlock()
}

func (r *recorder) count(reason Reason) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errors[reason]
}

func (r *recorder) left(key string) (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.remaining[key]
	return v, ok
}

// fixedClock is a settable clock for Options.Now.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// mustCompile compiles budgets that must be valid.
func mustCompile(t testing.TB, bs ...Budget) *Set {
	t.Helper()
	s, problems := Compile(bs, nil)
	if problems != nil {
		t.Fatalf("Compile: %v", problems)
	}
	return s
}

// newService dials addr with o, closing it at the end of the test.
func newService(t testing.TB, addr string, o Options) *Service {
	t.Helper()
	s, err := Dial(addr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deadAddress is a loopback address where nothing listens.
func deadAddress(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}
