// Package filter plays Envoy's ext_proc HTTP filter toward an ext_proc server: the
// messages it sends, the one gRPC stream per HTTP request, the replies it accepts, and
// how it applies them. It is the layer every Envoy-playing client of tollgate shares:
// the HTTP stand-in of package envoysim, the load tool (bench) and the ext_proc server's
// own tests. It knows nothing of HTTP serving; the caller decides what to send next from
// Stream.Mode.
//
//	cfg, _ := filter.FromProto(extProcFilterConfig) // or a Config literal
//	s := filter.NewStream(cfg, extprocv3.NewExternalProcessorClient(conn))
//	s.Begin(ctx)
//	reply, failure := s.Call(filter.RequestHeaders(h.Proto(), false))
//	...
//	s.Close(time.Second)
//
// # Envoy behaviours copied (each names its source where it is implemented)
//
//   - Messages: headers as raw_value only, pseudo-headers included (Envoy 1.32 removed
//     send_header_raw_value); one message per HTTP event (external_processor.proto).
//   - Stream: opened at the first message; exactly one reply of the matching type per
//     message, an immediate_response answering any of them and completing the stream;
//     a reply of another type is a "spurious message" → 500; a gRPC error → 500 and no
//     reply within message_timeout (default 200ms) → 504, both only when
//     failure_mode_allow is false (ext_proc.cc onGrpcError / onMessageTimeout); a stream
//     the server closes cleanly lets the request continue (onGrpcClose);
//     override_message_timeout restarts the wait once per message within
//     max_message_timeout (processor_state.cc restartMessageTimer); closing half-closes
//     and waits for the server's end (closeStream).
//   - mode_override only on a headers reply and only with allow_mode_override (and
//     allowed_override_modes); request_header_mode ignored (ext_proc.cc
//     onReceiveMessage).
//   - Header mutations read raw_value only; removals then sets; `append` honoured,
//     append_action ignored; mutation_rules defaults (host/:authority/:scheme/:method and
//     x-envoy-* refused, system headers never removed), disallow_is_error → 500
//     (mutation_utils.cc, mutation_rules.cc).
//   - Headers replies (handleHeadersResponse): content-length sets skipped when the body
//     mode drops that header (STREAMED; BUFFERED with header mode SKIP;
//     processing_mode.proto); CONTINUE_AND_REPLACE replaces the body, removes
//     content-length and ends that direction's body messages.
//   - BUFFERED body replies (handleBodyResponse): header mutations while the headers are
//     held, then the content-length check (a mismatch is a local 500), then the body.
//   - clear_route_cache with route_cache_action DEFAULT: only with a header mutation
//     (DecodingProcessorState::clearRouteCache).
//   - immediate_response as a local reply: status < 200 → 200 (isValidHttpStatus),
//     headers through the mutation rules, details → %RESPONSE_CODE_DETAILS%.
//   - Dynamic metadata kept only for metadata_options.receiving_namespaces.untyped,
//     merged key by key; an immediate_response's too, applied before the local reply
//     (ext_proc.cc onReceiveMessage, kImmediateResponse: setDecoderDynamicMetadata then
//     sendImmediateResponse), so a rejected request's access log line has it.
//
// Not copied: observability mode, send_body_without_waiting_for_header_response,
// FULL_DUPLEX_STREAMED and BUFFERED_PARTIAL chunking, trailers, route_cache_action
// CLEAR/RETAIN, streamed_immediate_response, status_on_error, deferred close.
package filter
