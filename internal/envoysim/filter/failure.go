package filter

import (
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/grpc/status"
)

// errorPrefix is the prefix of ext_proc's response_code_details
// (source/extensions/filters/http/ext_proc/ext_proc.cc, ErrorPrefix).
const errorPrefix = "ext_proc_error"

// Failure is the filter failing a request: the local reply Envoy answers the client
// with (Status, and Details for %RESPONSE_CODE_DETAILS%) and what happened (Err).
type Failure struct {
	Status  int
	Details string
	Err     error
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// grpcFailure is a gRPC error in op (opening, sending or receiving): a 500 (ext_proc.cc
// onGrpcError; the status_on_error default).
func grpcFailure(op string, err error) *Failure {
	st := status.Convert(err)
	return &Failure{Status: http.StatusInternalServerError,
		Details: fmt.Sprintf("%s_gRPC_error_%d{%s}", errorPrefix, st.Code(), st.Message()),
		Err:     fmt.Errorf("%s: %w", op, err)}
}

// mutationFailure is a refused mutation or a reply Envoy cannot apply: a local 500 whose
// details are the error's text with spaces as underscores, as Envoy writes them.
func mutationFailure(err error) *Failure {
	return &Failure{Status: http.StatusInternalServerError, Details: strings.ReplaceAll(err.Error(), " ", "_"), Err: err}
}
