package budget

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"

	"github.com/tollgate/tollgate/internal/budget/budgettest"
)

// fakeRLS is budgettest.Fake, an in-process rate-limit service counting like
// envoyproxy/ratelimit, with the shorthands these tests use.
type fakeRLS struct{ budgettest.Fake }

func (f *fakeRLS) count(req *rlsv3.RateLimitRequest) *rlsv3.RateLimitResponse { return f.Count(req) }
func (f *fakeRLS) requests() []*rlsv3.RateLimitRequest                        { return f.Requests() }

// setAnswer replaces the counting answer (see budgettest.Fake.SetAnswer).
func (f *fakeRLS) setAnswer(a func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)) {
	f.SetAnswer(func(_ context.Context, req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) { return a(req) })
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

// serveFake serves f on a loopback port until the test ends and returns its address.
func serveFake(t testing.TB, f *fakeRLS) string { return f.Serve(t) }

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
