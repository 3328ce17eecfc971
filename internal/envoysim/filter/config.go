package filter

import (
	"slices"
	"time"

	ext_procv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
)

// Config is what of an ext_proc filter's configuration governs its side of the stream.
// The zero Config sends what it is given and waits without a deadline: processing mode
// all DEFAULT, no mode_override, fail closed, default mutation rules, no metadata kept.
type Config struct {
	// Mode is the processing_mode each request starts with.
	Mode Mode
	// AllowModeOverride and AllowedOverrideModes decide whether a headers reply's
	// mode_override applies (ext_proc.proto allow_mode_override, allowed_override_modes).
	AllowModeOverride    bool
	AllowedOverrideModes []Mode
	// FailureModeAllow lets a request go on without the server after a gRPC error or a
	// message timeout instead of failing it (failure_mode_allow).
	FailureModeAllow bool
	// MessageTimeout bounds the wait for each reply; 0 waits as long as the stream's
	// context allows. (Envoy's own default is 200ms, which FromProto applies.)
	// MaxMessageTimeout bounds what override_message_timeout may ask for (0: no
	// override is honoured).
	MessageTimeout, MaxMessageTimeout time.Duration
	// Namespaces are the dynamic-metadata namespaces kept from the replies
	// (metadata_options.receiving_namespaces.untyped); others are dropped.
	Namespaces []string
	// Mutations are the mutation_rules header mutations are checked against (nil: the
	// defaults).
	Mutations *Checker
}

// defaultMessageTimeout is ExternalProcessor.message_timeout when unset (ext_proc.proto).
const defaultMessageTimeout = 200 * time.Millisecond

// FromProto compiles an ext_proc filter configuration.
func FromProto(f *ext_procv3.ExternalProcessor) (*Config, error) {
	c := &Config{
		Mode:              ModeOf(f.GetProcessingMode()),
		AllowModeOverride: f.GetAllowModeOverride(),
		FailureModeAllow:  f.GetFailureModeAllow(),
		MessageTimeout:    defaultMessageTimeout,
		Namespaces:        slices.Clone(f.GetMetadataOptions().GetReceivingNamespaces().GetUntyped()),
	}
	for _, m := range f.GetAllowedOverrideModes() {
		c.AllowedOverrideModes = append(c.AllowedOverrideModes, ModeOf(m))
	}
	if f.GetMessageTimeout() != nil {
		c.MessageTimeout = f.GetMessageTimeout().AsDuration()
	}
	if f.GetMaxMessageTimeout() != nil {
		c.MaxMessageTimeout = f.GetMaxMessageTimeout().AsDuration()
	}
	var err error
	c.Mutations, err = NewChecker(f.GetMutationRules())
	return c, err
}

// Mode is a processing mode (processing_mode.proto), as a value: what the filter sends
// for each part of the request and the response.
type Mode struct {
	RequestHeader, ResponseHeader   ext_procv3.ProcessingMode_HeaderSendMode
	RequestBody, ResponseBody       ext_procv3.ProcessingMode_BodySendMode
	RequestTrailer, ResponseTrailer ext_procv3.ProcessingMode_HeaderSendMode
}

// ModeOf converts a ProcessingMode (nil: all DEFAULT).
func ModeOf(p *ext_procv3.ProcessingMode) Mode {
	return Mode{
		RequestHeader: p.GetRequestHeaderMode(), ResponseHeader: p.GetResponseHeaderMode(),
		RequestBody: p.GetRequestBodyMode(), ResponseBody: p.GetResponseBodyMode(),
		RequestTrailer: p.GetRequestTrailerMode(), ResponseTrailer: p.GetResponseTrailerMode(),
	}
}

// RemovesContentLength reports whether Envoy drops content-length once a body sent in
// mode body (with headers sent in mode hdr) may be mutated: in STREAMED mode, and in
// BUFFERED mode with header mode SKIP; with BUFFERED and SEND it stays and the processor
// must keep it right (processing_mode.proto BodySendMode docs; processor_state.h
// shouldRemoveContentLength).
func RemovesContentLength(body ext_procv3.ProcessingMode_BodySendMode, hdr ext_procv3.ProcessingMode_HeaderSendMode) bool {
	switch body {
	case ext_procv3.ProcessingMode_STREAMED, ext_procv3.ProcessingMode_BUFFERED_PARTIAL, ext_procv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		return true
	case ext_procv3.ProcessingMode_BUFFERED:
		return hdr == ext_procv3.ProcessingMode_SKIP
	}
	return false
}
