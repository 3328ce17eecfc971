package budget

// Reason classifies a failed call to the rate-limit service: the `reason` label of
// tollgate_ratelimit_errors_total.
type Reason string

// The reasons.
const (
	// ReasonTimeout: no answer within the call's timeout.
	ReasonTimeout Reason = "timeout"
	// ReasonUnavailable: no connection (gRPC UNAVAILABLE), e.g. the service is down.
	ReasonUnavailable Reason = "unavailable"
	// ReasonUnknownCode: the service answered gRPC UNKNOWN; envoyproxy/ratelimit does when
	// its Redis fails.
	ReasonUnknownCode Reason = "unknown_code"
	// ReasonBadResponse: an answer tollgate cannot use (statuses that do not match the
	// descriptors, an UNKNOWN status, no limit on a status — the domain missing from the
	// service's config — or another gRPC code).
	ReasonBadResponse Reason = "bad_response"
	// ReasonDroppedCharge: a charge given up: its queue was full, its retries ran out, it
	// timed out (it may have counted: it is not retried, so as not to count twice), or
	// the service shut down with it queued.
	ReasonDroppedCharge Reason = "dropped_charge"
)

// Reasons lists every Reason, for a metrics package to initialise its label values.
var Reasons = []Reason{ReasonTimeout, ReasonUnavailable, ReasonUnknownCode, ReasonBadResponse, ReasonDroppedCharge}

// Observer receives what a metrics package exports. Calls come from request goroutines
// and charge workers concurrently; they must be quick and must not keep the *Status.
type Observer interface {
	// RatelimitError counts one failed call (tollgate_ratelimit_errors_total{reason}).
	RatelimitError(reason Reason)
	// BudgetRejected reports a budget found over by a check: the request is refused
	// (tollgate_budget_rejections_total{budget,team}) unless s.Shadow, which is counted
	// apart.
	BudgetRejected(s *Status)
	// BudgetRemaining reports what is left of a budget after every check and charge
	// (tollgate_budget_remaining{budget,team}), in s.Remaining, USD or tokens.
	BudgetRemaining(s *Status)
}

// nopObserver is the Observer of a Service given none.
type nopObserver struct{}

func (nopObserver) RatelimitError(Reason)   {}
func (nopObserver) BudgetRejected(*Status)  {}
func (nopObserver) BudgetRemaining(*Status) {}
