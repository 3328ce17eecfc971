package extproc

import (
	"context"
	"log/slog"
	"time"
)

// logRequest writes the one structured line per request.
func (st *stream) logRequest(o *outcome) {
	u := o.usage
	attrs := []slog.Attr{
		slog.String("request_id", st.hdr.requestID),
		slog.String("key", st.identity.Name),
		slog.String("team", st.identity.Team),
		slog.String("api", st.kind.String()),
		slog.String("model", st.requested), // the route's model once routed, and also when no rule matched
		slog.String("upstream_model", st.route.UpstreamModel),
		slog.String("provider", st.route.Provider),
		slog.Int("status", st.code),
		slog.Int64("input_tokens", u.Input),
		slog.Int64("output_tokens", u.Output),
		slog.Int64("cache_read_tokens", u.CacheRead),
		slog.Int64("cache_write_tokens", u.CacheWrite),
		slog.Int64("reasoning_tokens", u.Reasoning),
		slog.Float64("duration_ms", millis(o.duration)),
	}
	if o.priced {
		attrs = append(attrs, slog.Float64("cost_usd", o.cost))
	} else if !u.IsZero() {
		attrs = append(attrs, slog.Bool("unpriced", true))
	}
	if o.ttft > 0 {
		attrs = append(attrs, slog.Float64("ttft_ms", millis(o.ttft)))
	}
	attrs = o.attr.logAttrs(attrs)
	if o.interrupted {
		attrs = append(attrs, slog.Bool("interrupted", true))
	}
	if o.meterErr != nil {
		attrs = append(attrs, slog.String("metering_error", o.meterErr.Error()))
	}
	st.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// millis is d in milliseconds, to the microsecond: the unit of Envoy's %DURATION%, which
// a reader can take in at a glance (slog's JSON handler writes a Duration in nanoseconds).
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
