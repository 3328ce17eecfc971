package budget

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	ratelimitv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

var checkTime = time.Date(2026, 12, 3, 14, 5, 6, 0, time.UTC)

func checkSetup(t *testing.T, o Options, bs ...Budget) (*fakeRLS, *recorder, *Service, *Set) {
	t.Helper()
	f := &fakeRLS{}
	rec := newRecorder()
	o.Observer = rec
	if o.Now == nil {
		o.Now = func() time.Time { return checkTime }
	}
	return f, rec, newService(t, serveFake(t, f), o), mustCompile(t, bs...)
}

func TestBeginPicksBudgets(t *testing.T) {
	set := mustCompile(t,
		Budget{Name: "opus_daily", Per: PerTeam, USD: 200, Window: Day, Models: []string{"claude-opus-*"}, Teams: []string{"platform"}},
		Budget{Name: "keys", Per: PerKey, Tokens: 1000, Window: Hour},
		Budget{Name: "all", Per: PerAll, USD: 10000, Window: Month, Shadow: true},
	)
	s := &Service{}
	names := func(r *Request) []string {
		var out []string
		for _, p := range r.picks {
			out = append(out, p.rule.Name+"="+p.scope)
		}
		return out
	}
	for _, tc := range []struct {
		team, key, model string
		want             []string
	}{
		{"platform", "alice", "claude-opus-4-5", []string{"opus_daily=platform", "keys=alice", "all=all"}},
		{"platform", "alice", "claude-sonnet-4-5", []string{"keys=alice", "all=all"}},
		{"data", "bob_2", "claude-opus-4-5", []string{"keys=bob%5F2", "all=all"}},
		{"", "", "gpt-5", []string{"keys=%none", "all=all"}},
	} {
		got := names(s.Begin(set, tc.team, tc.key, tc.model))
		if len(got) != len(tc.want) {
			t.Errorf("%s/%s/%s: %v, want %v", tc.team, tc.key, tc.model, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s/%s/%s: %v, want %v", tc.team, tc.key, tc.model, got, tc.want)
			}
		}
	}
	only := mustCompile(t, Budget{Name: "x", Per: PerTeam, USD: 1, Window: Day, Teams: []string{"platform"}})
	if r := s.Begin(only, "data", "bob", "m"); r != nil {
		t.Errorf("a Request when no budget applies: %v", names(r))
	}
	if r := s.Begin(nil, "data", "bob", "m"); r != nil {
		t.Error("a Request from a nil Set")
	}
}

func TestCheckSendsOneCallWithEveryBudget(t *testing.T) {
	f, _, s, set := checkSetup(t, Options{Domain: "tg"},
		Budget{Name: "team-daily", Per: PerTeam, USD: 200, Window: Day},
		Budget{Name: "key-minute", Per: PerKey, Tokens: 50000, Window: Minute},
		Budget{Name: "hourly", Per: PerAll, USD: 1.5, Window: Hour},
		Budget{Name: "monthly", Per: PerTeam, USD: 429496.7295, Window: Month},
	)
	if v := s.Begin(set, "platform", "alice", "m").Check(context.Background()); v.Outcome != Allow || v.Err != nil {
		t.Fatalf("verdict %+v", v)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d calls, want 1", len(reqs))
	}
	req := reqs[0]
	if req.Domain != "tg" || req.HitsAddend != 0 {
		t.Errorf("domain %q, request hits_addend %d", req.Domain, req.HitsAddend)
	}
	want := []struct {
		entries string
		limit   uint32
		unit    typev3.RateLimitUnit
	}{
		{"budget=team-daily;team=platform;period=2026-12-03;", 2_000_000, typev3.RateLimitUnit_DAY},
		{"budget=key-minute;key=alice;period=2026-12-03T14:05;", 50000, typev3.RateLimitUnit_MINUTE},
		{"budget=hourly;all=all;period=2026-12-03T14;", 15000, typev3.RateLimitUnit_HOUR},
		{"budget=monthly;team=platform;period=2026-12;", 4294967295, typev3.RateLimitUnit_YEAR},
	}
	if len(req.Descriptors) != len(want) {
		t.Fatalf("%d descriptors, want %d", len(req.Descriptors), len(want))
	}
	for i, d := range req.Descriptors {
		w := want[i]
		if got := entriesKey(d.Entries); got != w.entries {
			t.Errorf("descriptor %d: entries %s, want %s", i, got, w.entries)
		}
		if d.HitsAddend == nil || d.HitsAddend.Value != 0 {
			t.Errorf("descriptor %d: hits_addend %v, want an explicit 0", i, d.HitsAddend)
		}
		if d.Limit.GetRequestsPerUnit() != w.limit || d.Limit.GetUnit() != w.unit {
			t.Errorf("descriptor %d: limit %d per %v, want %d per %v", i, d.Limit.GetRequestsPerUnit(), d.Limit.GetUnit(), w.limit, w.unit)
		}
	}
}

func TestCheckOverBudget(t *testing.T) {
	f, rec, s, set := checkSetup(t, Options{},
		Budget{Name: "team-daily", Per: PerTeam, USD: 200, Window: Day},
		Budget{Name: "team-monthly", Per: PerTeam, USD: 1000, Window: Month},
		Budget{Name: "shadow", Per: PerAll, Tokens: 10, Window: Hour, Shadow: true},
	)
	f.count(&rlsv3.RateLimitRequest{Descriptors: []*ratelimitv3.RateLimitDescriptor{
		descriptor("budget=team-daily;team=platform;period=2026-12-03", 2_000_000, 2_000_000), // exactly spent
		descriptor("budget=team-monthly;team=platform;period=2026-12", 10_000_000, 3_000_000), // $300 used
		descriptor("budget=shadow;all=all;period=2026-12-03T14", 10, 11),                      // over
	}})
	v := s.Begin(set, "platform", "alice", "m").Check(context.Background())
	if v.Outcome != OverBudget || v.Over == nil || v.Over.Budget != "team-daily" {
		t.Fatalf("verdict %+v", v)
	}
	if got, want := v.Over.Message(), `budget "team-daily" is spent ($200.00 per day for team platform); it resets at 2026-12-04T00:00:00Z`; got != want {
		t.Errorf("message %q\nwant    %q", got, want)
	}
	if got, want := v.Over.RetryAfterSeconds(), int((9*time.Hour + 54*time.Minute + 54*time.Second).Seconds()); got != want {
		t.Errorf("retry-after %d, want %d", got, want)
	}
	if left, _ := rec.left("team-monthly/platform"); left != 700 {
		t.Errorf("team-monthly remaining $%v, want $700", left)
	}
	if left, _ := rec.left("shadow/all"); left != 0 {
		t.Errorf("shadow remaining %v, want 0", left)
	}
	if len(rec.rejected) != 2 || rec.rejected[0].Budget != "team-daily" || rec.rejected[0].Shadow ||
		rec.rejected[1].Budget != "shadow" || !rec.rejected[1].Shadow {
		t.Errorf("rejections reported %+v", rec.rejected)
	}
}

// descriptor is a charge of addend on the entries, with a limit override.
func descriptor(entries string, limit uint32, addend uint64) *ratelimitv3.RateLimitDescriptor {
	d := &ratelimitv3.RateLimitDescriptor{
		Limit:      &ratelimitv3.RateLimitDescriptor_RateLimitOverride{RequestsPerUnit: limit},
		HitsAddend: wrapperspb.UInt64(addend),
	}
	for len(entries) > 0 {
		var kv string
		kv, entries, _ = strings.Cut(entries, ";")
		k, v, _ := strings.Cut(kv, "=")
		d.Entries = append(d.Entries, &ratelimitv3.RateLimitDescriptor_Entry{Key: k, Value: v})
	}
	return d
}

func TestCheckShadowOnlyAllows(t *testing.T) {
	f, rec, s, set := checkSetup(t, Options{}, Budget{Name: "s", Per: PerAll, Tokens: 10, Window: Day, Shadow: true})
	f.count(&rlsv3.RateLimitRequest{Descriptors: []*ratelimitv3.RateLimitDescriptor{
		descriptor("budget=s;all=all;period=2026-12-03", 10, 50)}})
	v := s.Begin(set, "", "", "m").Check(context.Background())
	if v.Outcome != Allow || v.Over != nil || len(v.Statuses) != 1 || !v.Statuses[0].Over {
		t.Fatalf("verdict %+v", v)
	}
	if len(rec.rejected) != 1 || !rec.rejected[0].Shadow {
		t.Errorf("rejections %+v", rec.rejected)
	}
}

func TestCheckLatestResetRefuses(t *testing.T) {
	f, _, s, set := checkSetup(t, Options{},
		Budget{Name: "minute", Per: PerAll, Tokens: 1, Window: Minute},
		Budget{Name: "month", Per: PerAll, Tokens: 1, Window: Month},
		Budget{Name: "day", Per: PerAll, Tokens: 1, Window: Day},
	)
	f.setAnswer(func(req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
		resp := &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OVER_LIMIT}
		for range req.Descriptors {
			resp.Statuses = append(resp.Statuses, &rlsv3.RateLimitResponse_DescriptorStatus{
				Code: rlsv3.RateLimitResponse_OVER_LIMIT, CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: 1}})
		}
		return resp, nil
	})
	v := s.Begin(set, "", "", "m").Check(context.Background())
	if v.Outcome != OverBudget || v.Over.Budget != "month" || v.Over.Reset != time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("verdict %+v", v.Over)
	}
}

// TestCheckFailures: every way the service can fail, under both failure modes.
func TestCheckFailures(t *testing.T) {
	ok := &rlsv3.RateLimitResponse_DescriptorStatus{Code: rlsv3.RateLimitResponse_OK,
		CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: 1}, LimitRemaining: 1}
	for _, tc := range []struct {
		name   string
		answer func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error)
		reason Reason
	}{
		{"UNKNOWN (Redis down)", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return nil, errors.New("redis: connection refused")
		}, ReasonUnknownCode},
		{"unavailable", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return nil, status.Error(codes.Unavailable, "shedding")
		}, ReasonUnavailable},
		{"other code", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return nil, status.Error(codes.Unimplemented, "not a rate-limit service")
		}, ReasonBadResponse},
		{"too few statuses", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK}, nil
		}, ReasonBadResponse},
		{"too many statuses", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK,
				Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{ok, ok, ok}}, nil
		}, ReasonBadResponse},
		{"status UNKNOWN", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK,
				Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{{Code: rlsv3.RateLimitResponse_UNKNOWN}}}, nil
		}, ReasonBadResponse},
		{"no limit (domain not configured)", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK,
				Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{{Code: rlsv3.RateLimitResponse_OK}}}, nil
		}, ReasonBadResponse},
		{"slow", func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
			time.Sleep(300 * time.Millisecond)
			return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK,
				Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{ok}}, nil
		}, ReasonTimeout},
	} {
		for _, mode := range []FailureMode{FailOpen, FailClosed} {
			t.Run(tc.name+"/"+string(mode), func(t *testing.T) {
				f, rec, s, set := checkSetup(t, Options{FailureMode: mode, Timeout: 50 * time.Millisecond},
					Budget{Name: "b", Per: PerAll, Tokens: 1, Window: Day})
				f.setAnswer(tc.answer)
				start := time.Now()
				v := s.Begin(set, "", "", "m").Check(context.Background())
				if took := time.Since(start); took > 250*time.Millisecond {
					t.Errorf("the check took %v with a 50ms timeout", took)
				}
				want := Allow
				if mode == FailClosed {
					want = Failed
				}
				if v.Outcome != want || v.Err == nil || v.Reason != tc.reason {
					t.Errorf("verdict %v, reason %q, err %v; want %v, %q", v.Outcome, v.Reason, v.Err, want, tc.reason)
				}
				if rec.count(tc.reason) != 1 {
					t.Errorf("errors counted %v", rec.errors)
				}
			})
		}
	}
}

func TestCheckServiceDown(t *testing.T) {
	rec := newRecorder()
	s := newService(t, deadAddress(t), Options{Observer: rec, FailureMode: FailClosed})
	set := mustCompile(t, Budget{Name: "b", Per: PerAll, Tokens: 1, Window: Day})
	v := s.Begin(set, "", "", "m").Check(context.Background())
	if v.Outcome != Failed || v.Reason != ReasonUnavailable || rec.count(ReasonUnavailable) != 1 {
		t.Errorf("verdict %+v, errors %v", v, rec.errors)
	}
}

// TestCheckCallerGone: a client that goes away cancels the check; that is not the
// service's failure and is not counted.
func TestCheckCallerGone(t *testing.T) {
	f, rec, s, set := checkSetup(t, Options{Timeout: time.Second}, Budget{Name: "b", Per: PerAll, Tokens: 1, Window: Day})
	f.setAnswer(func(*rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
		time.Sleep(200 * time.Millisecond)
		return nil, errors.New("late")
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	v := s.Begin(set, "", "", "m").Check(ctx)
	if v.Err == nil || v.Reason != "" || len(rec.errors) != 0 {
		t.Errorf("verdict %+v, errors %v", v, rec.errors)
	}
}

func TestNilRequest(t *testing.T) {
	var r *Request
	if v := r.Check(context.Background()); v.Outcome != Allow || v.Err != nil || v.Statuses != nil {
		t.Errorf("nil Request verdict %+v", v)
	}
	r.Charge(100, 1) // no panic
}
