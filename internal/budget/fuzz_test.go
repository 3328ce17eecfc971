package budget

import (
	"testing"
	"time"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/protobuf/proto"
)

// FuzzInterpret: whatever the service answers, reading it neither panics nor reports
// more remaining than the limit; an answer is used whole or not at all.
func FuzzInterpret(f *testing.F) {
	ok := &rlsv3.RateLimitResponse_DescriptorStatus{Code: rlsv3.RateLimitResponse_OK,
		CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: 10}, LimitRemaining: 4}
	over := &rlsv3.RateLimitResponse_DescriptorStatus{Code: rlsv3.RateLimitResponse_OVER_LIMIT,
		CurrentLimit: &rlsv3.RateLimitResponse_RateLimit{RequestsPerUnit: 10}, LimitRemaining: 99}
	for _, resp := range []*rlsv3.RateLimitResponse{
		{OverallCode: rlsv3.RateLimitResponse_OK, Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{ok, ok}},
		{OverallCode: rlsv3.RateLimitResponse_OVER_LIMIT, Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{ok, over}},
		{OverallCode: rlsv3.RateLimitResponse_OK, Statuses: []*rlsv3.RateLimitResponse_DescriptorStatus{ok}},
		{},
	} {
		b, _ := proto.Marshal(resp)
		f.Add(b)
	}
	set := mustCompile(f,
		Budget{Name: "usd", Per: PerTeam, USD: 0.001, Window: Day},
		Budget{Name: "tok", Per: PerKey, Tokens: 10, Window: Month},
	)
	r := (&Service{o: Options{Domain: DefaultDomain}}).Begin(set, "platform", "alice", "m")
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var resp rlsv3.RateLimitResponse
		if proto.Unmarshal(data, &resp) != nil {
			return
		}
		for _, addends := range [][]uint64{nil, {1, 0}, {3, 4}} {
			statuses, err := r.interpret(&resp, r.picks, addends, now)
			if err != nil {
				if statuses != nil {
					t.Fatalf("statuses with an error: %v", err)
				}
				continue
			}
			for _, st := range statuses {
				if st.Remaining > st.Limit || st.Remaining < 0 || st.Over != (st.Remaining == 0) {
					t.Fatalf("status %+v", st)
				}
			}
		}
	})
}
