package budget

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// classify names the reason of a failed call; "" when ctx, the caller's own context
// (not the call's timeout), ended it: the client went away, which is no fault of the
// service.
func classify(ctx context.Context, err error) Reason {
	if errors.Is(err, errBadResponse) {
		return ReasonBadResponse
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return ""
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		return ReasonTimeout
	case codes.Unavailable:
		return ReasonUnavailable
	case codes.Unknown:
		return ReasonUnknownCode
	case codes.Canceled:
		return ""
	}
	return ReasonBadResponse
}
