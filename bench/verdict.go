package bench

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Err fails a report in which a server let no request through: every one was refused
// (answered at once, for example 401 for a key it does not know) or failed. Its numbers
// would measure the refusal, not the server. key is the client key the run sent.
func (rep Report) Err(key string) error {
	var errs []error
	for _, r := range rep.Results {
		if r.Full > 0 || r.Immediate+r.Errors == 0 {
			continue
		}
		var why []string
		if r.Immediate > 0 {
			why = append(why, fmt.Sprintf("%d refused at once (%s)", r.Immediate, statusCounts(r.ImmediateStatus)))
		}
		if r.Errors > 0 {
			why = append(why, fmt.Sprintf("%d failed (%s)", r.Errors, strings.Join(r.ErrorSamples, "; ")))
		}
		msg := fmt.Sprintf("scenario %s, server %s: no request went through: %s", r.Scenario, r.Server, strings.Join(why, ", "))
		if r.ImmediateStatus[401] > 0 {
			msg += fmt.Sprintf(". 401: the server does not know the key %q; pass one of its keys with -key", key)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// statusCounts is "401 ×2000, 404 ×3", by status.
func statusCounts(m map[int]int64) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d ×%d", c, m[c])
	}
	return strings.Join(parts, ", ")
}
