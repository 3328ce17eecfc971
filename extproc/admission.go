package extproc

import (
	"math"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/tollgate/tollgate/llm/api"
)

// Admission bounds the request-body bytes held by all requests in flight
// (limits.max_inflight_body_bytes). A request reserves its body's size at the headers
// phase — from content-length, before Envoy sends tollgate the body at all — and trues it
// up to the real size at the body phase; the reservation is released once the body's
// reply is sent. A request that does not fit gets a fast 503 in its client's shape with
// retry-after, instead of the process growing until the kernel kills it.
type admission struct {
	inflight atomic.Int64
	// defaultLimit is used when the config sets none: an eighth of the memory limit.
	defaultLimit int64
	rejected     func(reason string)
}

// unknownLengthReserve is reserved for a body without content-length (chunked); the
// real size is trued up when the body arrives.
const unknownLengthReserve = 1 << 20

// DefaultInflightBodyBytes is the default bound for a process whose memory limit is
// memLimit (math.MaxInt64: none): an eighth of it. A body costs about four times its size
// while tollgate handles it — gRPC's receive buffers, the decoded message, the rewritten
// body, the marshalled reply — so the process's peak RSS stays near half the limit
// (BENCHMARKS.md "Admission control": 200 × 8 MB with 128 MiB in flight peaked at 507 MiB;
// with 256 MiB at 0.87–1.0 GiB).
func DefaultInflightBodyBytes(memLimit int64) int64 {
	if memLimit <= 0 || memLimit == math.MaxInt64 {
		return 1 << 30
	}
	return memLimit / 8
}

func (a *admission) limit(configured int64) int64 {
	if configured > 0 {
		return configured
	}
	if a.defaultLimit > 0 {
		return a.defaultLimit
	}
	return DefaultInflightBodyBytes(math.MaxInt64)
}

// reserve adds n bytes to the stream's reservation; false when they do not fit.
func (st *stream) reserve(n int64) bool {
	if n <= 0 {
		return true
	}
	a := &st.srv.admission
	limit := a.limit(st.rt.Limits().MaxInflightBodyBytes)
	// An idle process always admits one request, whatever its size: the bound is on
	// what requests hold together.
	if after := a.inflight.Add(n); after > limit && after != n {
		a.inflight.Add(-n)
		return false
	}
	st.reserved += n
	return true
}

// release returns the stream's reservation; idempotent.
func (st *stream) release() {
	if st.reserved > 0 {
		st.srv.admission.inflight.Add(-st.reserved)
		st.reserved = 0
	}
}

// admitHeaders reserves the announced body size; nil when admitted.
func (st *stream) admitHeaders() *api.Error {
	n := int64(unknownLengthReserve)
	if v := firstValue(st.hdr.all, "content-length"); v != "" { // keys are lower-case, not canonical
		cl, err := strconv.ParseInt(v, 10, 64)
		if err != nil || cl < 0 {
			return api.Errorf(http.StatusBadRequest, "content-length %q is not a byte count", v)
		}
		if max := st.maxBody(); cl > max {
			return api.Errorf(http.StatusRequestEntityTooLarge,
				"request body of %d bytes exceeds the gateway's limit of %d bytes", cl, max)
		}
		n = cl
	}
	if !st.reserve(n) {
		return st.overloaded()
	}
	return nil
}

// admitBody trues the reservation up to the body's real size; nil when admitted.
func (st *stream) admitBody(size int) *api.Error {
	if extra := int64(size) - st.reserved; extra > 0 && !st.reserve(extra) {
		return st.overloaded()
	}
	return nil
}

func (st *stream) overloaded() *api.Error {
	if r := st.srv.admission.rejected; r != nil {
		r("inflight_body_bytes")
	}
	st.retryAfter = "1"
	return api.Errorf(http.StatusServiceUnavailable,
		"the gateway is busy: too many request bytes in flight; retry shortly")
}

// maxBody is limits.max_request_body, held to the gRPC message limit set at start.
func (st *stream) maxBody() int64 {
	max := st.rt.Limits().MaxRequestBody
	if c := st.srv.bodyCeiling; c > 0 && max > c {
		max = c
	}
	return max
}

func firstValue(h http.Header, lowerKey string) string {
	if v := h[lowerKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
