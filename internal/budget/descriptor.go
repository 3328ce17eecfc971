package budget

import (
	"errors"
	"fmt"
	"strings"
	"time"

	ratelimitv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The descriptor entries' keys. The scope entry's key is the budget's Per.
const (
	entryBudget = "budget"
	entryPeriod = "period"
)

// request builds one ShouldRateLimit request: one descriptor per pick with a non-zero
// addend (every pick when addends is nil: a check, hits_addend 0), carrying the budget's
// limit as the override and the calendar period of now.
func (s *Service) request(picks []pick, addends []uint64, now time.Time) *rlsv3.RateLimitRequest {
	req := &rlsv3.RateLimitRequest{Domain: s.o.Domain, Descriptors: make([]*ratelimitv3.RateLimitDescriptor, 0, len(picks))}
	for i, p := range picks {
		var n uint64
		if addends != nil {
			if n = addends[i]; n == 0 {
				continue
			}
		}
		name, _, _ := period(p.rule.Window, now)
		req.Descriptors = append(req.Descriptors, &ratelimitv3.RateLimitDescriptor{
			Entries: []*ratelimitv3.RateLimitDescriptor_Entry{
				{Key: entryBudget, Value: p.rule.name},
				{Key: string(p.rule.Per), Value: p.scope},
				{Key: entryPeriod, Value: name},
			},
			Limit: &ratelimitv3.RateLimitDescriptor_RateLimitOverride{
				RequestsPerUnit: p.rule.limit,
				Unit:            p.rule.unit,
			},
			HitsAddend: wrapperspb.UInt64(n),
		})
	}
	return req
}

// errBadResponse marks an answer that cannot be used.
var errBadResponse = errors.New("bad response from the rate-limit service")

// interpret reads the service's answer to a request built from picks (those with a
// non-zero addend when addends is not nil) at now.
func (r *Request) interpret(resp *rlsv3.RateLimitResponse, picks []pick, addends []uint64, now time.Time) ([]Status, error) {
	n := len(picks)
	if addends != nil {
		n = 0
		for _, a := range addends {
			if a > 0 {
				n++
			}
		}
	}
	if resp == nil || len(resp.Statuses) != n {
		return nil, fmt.Errorf("%w: %d statuses for %d descriptors", errBadResponse, len(resp.GetStatuses()), n)
	}
	if resp.OverallCode == rlsv3.RateLimitResponse_UNKNOWN {
		return nil, fmt.Errorf("%w: overall code UNKNOWN", errBadResponse)
	}
	out := make([]Status, 0, n)
	j := 0
	for i, p := range picks {
		if addends != nil && addends[i] == 0 {
			continue
		}
		ds := resp.Statuses[j]
		j++
		if ds.GetCode() != rlsv3.RateLimitResponse_OK && ds.GetCode() != rlsv3.RateLimitResponse_OVER_LIMIT {
			return nil, fmt.Errorf("%w: budget %s: code %v", errBadResponse, p.rule.Name, ds.GetCode())
		}
		if ds.GetCurrentLimit() == nil {
			return nil, fmt.Errorf("%w: budget %s: no limit applied (is domain %q in the service's config?)",
				errBadResponse, p.rule.Name, r.svc.o.Domain)
		}
		out = append(out, r.status(p, ds, now))
	}
	return out, nil
}

// status converts one descriptor status to the budget's terms.
func (r *Request) status(p pick, ds *rlsv3.RateLimitResponse_DescriptorStatus, now time.Time) Status {
	rl := p.rule
	name, _, end := period(rl.Window, now)
	left := min(ds.GetLimitRemaining(), rl.limit)
	if ds.GetCode() == rlsv3.RateLimitResponse_OVER_LIMIT {
		left = 0
	}
	st := Status{
		Budget: rl.Name, Per: rl.Per, Window: rl.Window, Scope: unescape(p.scope),
		Team: r.team, Key: r.key, Shadow: rl.Shadow,
		Over:   left == 0,
		Tokens: rl.Tokens > 0, Limit: float64(rl.limit), Remaining: float64(left),
		Period: name, Reset: end, RetryAfter: end.Sub(now),
	}
	if !st.Tokens {
		st.Limit, st.Remaining = st.Limit/unitsPerUSD, st.Remaining/unitsPerUSD
	}
	return st
}

// The service joins a counter's entries with '_' (key_value_key_value_…), so a value
// holding '_' could name another budget's counter: escape it, and '%', the escape.
var (
	escaper   = strings.NewReplacer("%", "%25", "_", "%5F")
	unescaper = strings.NewReplacer("%25", "%", "%5F", "_")
)

func escape(v string) string {
	if !strings.ContainsAny(v, "%_") {
		return v
	}
	return escaper.Replace(v)
}

func unescape(v string) string {
	if v == "%none" {
		return ""
	}
	if !strings.Contains(v, "%") {
		return v
	}
	return unescaper.Replace(v)
}
